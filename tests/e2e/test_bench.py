"""bench.py --quick runs every measurement and reports them in the documented shape, each
goal with its figure (no timed assertions: the figures are for the notes, not for CI)."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from streams.bench.measurements import PIPELINE_PASSES
from streams.bench.report import GOALS, Report, table
from tests.e2e.conftest import run_script

pytestmark = pytest.mark.broker

SUMMARY_KEYS = {
    "pipeline_vs_raw", "latency_p99_ms", "latency_floor_p99_ms", "replay_events_per_s",
    "fold_events_per_s", "two_workers_cpu_efficiency", "two_workers_wall_ratio",
    "rss_mib_100k_ties", "faust_bare_events_per_s", "changelog_bytes_dense_match",
    "sse_fanout_p99_ms",
}  # fmt: skip


@pytest.fixture(scope="module")
def quick_report():
    done = run_script("bench.py", "--quick", "--json", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_quick_benchmark_reports_every_figure_and_its_settings(quick_report):
    settings, figures = quick_report["settings"], quick_report["figures"]
    assert settings["mode"] == "quick"
    assert {"faust-streaming", "aiokafka", "pydantic"} <= set(settings["versions"])
    assert settings["size"]["partitions"] >= 8
    assert len(settings["load_average_at_start"]) == len(settings["load_average_at_end"]) == 3
    sections = ("fold", "raw_client", "raw_client_after", "pipeline", "pipeline_two_workers")
    for section in (*sections, "replay"):
        assert figures[section]["events"] > 0
        assert figures[section]["events_per_s"] > 0
    ceiling = max(
        figures["raw_client"]["events_per_s"], figures["raw_client_after"]["events_per_s"]
    )
    assert figures["summary"]["pipeline_vs_raw"] == figures["pipeline"]["events_per_s"] / ceiling
    fold_passes, replay_passes = (figures[row]["passes_events_per_s"] for row in ("fold", "replay"))
    assert len(fold_passes["fold"]) == len(fold_passes["evolve"]) == len(replay_passes) == 3
    assert figures["fold"]["events_per_s"] == max(fold_passes["fold"])
    assert figures["fold"]["evolve_events_per_s"] == max(fold_passes["evolve"]) > 0
    assert figures["replay"]["events_per_s"] == max(replay_passes)
    latency = figures["latency"]
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    assert latency["worker_rss_mib"] > 0
    assert latency["worker_cpu_us_per_event"] > 0
    floor = figures["latency_floor"]
    assert floor["relayed"] == floor["events"] == latency["events"]
    assert 0 < floor["p50_ms"] <= floor["p99_ms"] <= floor["max_ms"]
    assert floor["relay_cpu_us_per_event"] > 0
    assert figures["summary"]["latency_floor_p99_ms"] == floor["p99_ms"]
    for row in (latency, floor):  # the embedded broker is a process here: its CPU is read
        assert row["broker_cpu_us_per_event"] > 0 and row["broker_cores"] > 0
    fanout = figures["sse_fanout"]
    assert fanout["clients"] == settings["size"]["fanout_clients"]
    assert fanout["updates_to_every_client"] == fanout["events"] > 0
    to_all = fanout["produced_to_every_client"]
    assert 0 < to_all["p50_ms"] <= to_all["p99_ms"] <= to_all["max_ms"]
    assert set(figures["summary"]) == SUMMARY_KEYS


def test_one_and_two_workers_consume_the_same_backlog_and_their_cpu_is_counted(quick_report):
    one, two = quick_report["figures"]["pipeline"], quick_report["figures"]["pipeline_two_workers"]
    assert len(one["passes"]) == len(two["passes"]) == PIPELINE_PASSES >= 2
    for workers, row in ((1, one), (2, two)):
        for run in row["passes"]:
            assert run["workers"] == workers
            assert (run["events"], run["ties"]) == (one["events"], one["ties"])
            assert len(run["cpu_s_per_worker"]) == workers
            assert all(cpu > 0 for cpu in run["cpu_s_per_worker"])
            assert 0 < run["cpu_s"] < run["cpu_s_with_start_up"]
            assert run["cpu_s_per_1k_events"] == pytest.approx(run["cpu_s"] * 1000 / run["events"])
        # The row is its fastest pass; its CPU figure the least any pass spent.
        assert row["events_per_s"] == max(run["events_per_s"] for run in row["passes"])
        cpu = [run["cpu_s_per_1k_events"] for run in row["passes"]]
        assert row["least_cpu_s_per_1k_events"] == min(cpu)
    summary = quick_report["figures"]["summary"]
    efficiency = one["least_cpu_s_per_1k_events"] / two["least_cpu_s_per_1k_events"]
    assert summary["two_workers_cpu_efficiency"] == pytest.approx(efficiency)
    assert summary["two_workers_wall_ratio"] == pytest.approx(
        two["events_per_s"] / one["events_per_s"]
    )


def test_one_and_two_worker_passes_alternate_so_a_slow_spell_falls_on_both(quick_report):
    steps = [name for name in quick_report["figures"]["step_seconds"] if "pipeline" in name]
    assert steps == [
        f"pipeline_{workers}w_pass_{number}"
        for number in range(1, PIPELINE_PASSES + 1)
        for workers in (1, 2)
    ]


def test_the_quick_memory_figure_is_measured_on_fewer_ties_and_says_it_is_extrapolated(
    quick_report,
):
    size, memory = quick_report["settings"]["size"], quick_report["figures"]["memory"]
    assert memory["ties"] == size["memory_ties"] < 100_000
    assert memory["events"] == memory["ties"] * memory["events_per_tie"]
    assert memory["is_extrapolated"]
    assert 0 < memory["rss_before_mib"] < memory["rss_mib"] <= memory["peak_rss_mib"]
    assert memory["rss_mib_100k_ties"] > memory["rss_mib"]
    rows = _table_text(quick_report)
    assert f"{size['memory_ties']:,} finished ties" in rows
    assert "extrapolated linearly to 100,000" in rows


def test_every_goal_is_judged_or_said_to_be_not_measured(quick_report):
    summary = quick_report["figures"]["summary"]
    goals = {goal["key"]: goal for goal in quick_report["goals"]}
    assert set(goals) == {goal.key for goal in GOALS} <= set(summary)
    for key, goal in goals.items():
        assert goal["value"] == summary[key]
        assert goal["is_met"] is None if summary[key] is None else goal["is_met"] in (True, False)
    rows = {cells[2]: cells for cells in _table_rows(quick_report) if cells[2]}
    assert set(rows) == {str(goal) for goal in GOALS}
    for goal in GOALS:
        measure, figure, _, met = rows[str(goal)]
        if summary[goal.key] is None:
            assert (figure, met) == ("not measured", "-"), measure
        else:
            assert met == ("met" if goal.is_met(summary[goal.key]) else "MISSED"), measure


def _table_rows(report: dict) -> list[list[str]]:
    """The rich table's rows as their cells' text (a wide console, so nothing wraps)."""
    console = Console(file=io.StringIO(), width=500, record=True)
    console.print(table(Report(report["settings"], report["figures"])))
    lines = console.export_text().splitlines()
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if "│" in line]


def _table_text(report: dict) -> str:
    return "\n".join(" | ".join(cells) for cells in _table_rows(report))
