"""The benchmark times the same Python work alone and beside a copy of itself."""

from __future__ import annotations

import pytest

from streams.bench.machine import measure_core_sharing


async def test_core_sharing_reports_the_least_cpu_seconds_alone_and_beside_a_copy():
    figures = await measure_core_sharing(loops=200_000, rounds=2)
    alone, beside = figures["passes"]["alone"], figures["passes"]["beside_a_copy"]
    assert len(alone) == 2 and len(beside) == 4  # one process, then two at once, twice
    assert all(seconds > 0 for seconds in alone + beside)
    assert figures["alone_cpu_s"] == min(alone)
    assert figures["beside_a_copy_cpu_s"] == min(beside)
    assert figures["efficiency"] == pytest.approx(min(alone) / min(beside))


async def test_core_sharing_times_the_work_not_the_interpreter_start():
    short = await measure_core_sharing(loops=100_000, rounds=1)
    long = await measure_core_sharing(loops=2_000_000, rounds=1)
    # Twenty times the loops: far more than the start-up's share could explain.
    assert long["alone_cpu_s"] > 5 * short["alone_cpu_s"]
