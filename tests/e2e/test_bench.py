"""bench.py --quick runs every measurement and reports them in the documented shape (no timed
assertions: the figures are for the notes, not for CI)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.broker


def test_the_quick_benchmark_reports_every_figure_and_its_settings(script):
    done = script("bench.py", "--quick", "--json", timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    settings, figures = report["settings"], report["figures"]
    assert settings["mode"] == "quick"
    assert {"faust-streaming", "aiokafka", "pydantic"} <= set(settings["versions"])
    assert settings["size"]["partitions"] >= 8
    for section in ("fold", "raw_client", "pipeline", "pipeline_two_workers", "replay"):
        assert figures[section]["events"] > 0
        assert figures[section]["events_per_s"] > 0
    assert figures["pipeline_two_workers"]["workers"] == 2
    latency = figures["latency"]
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    assert latency["worker_rss_mib"] > 0
    fanout = figures["sse_fanout"]
    assert fanout["clients"] == settings["size"]["fanout_clients"]
    assert fanout["updates_to_every_client"] == fanout["events"] > 0
    to_all = fanout["produced_to_every_client"]
    assert 0 < to_all["p50_ms"] <= to_all["p99_ms"] <= to_all["max_ms"]
    assert set(figures["summary"]) == {
        "fold_events_per_s", "pipeline_vs_raw", "latency_p99_ms", "replay_events_per_s",
        "worker_rss_mib_10k_ties", "two_workers_vs_one", "sse_fanout_p99_ms",
    }  # fmt: skip
