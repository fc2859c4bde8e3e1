"""Chaos with real processes on the embedded broker: kills during a burst, a paused worker
taking its partitions back, a restart with nothing after it. Every tie must end byte-identical
to its offline fold and no tie's version may go backwards on `tie-scores`.

The default suite runs one short version of each; the full loops are marked slow:
`python3 scripts/test.py -m slow -k chaos` (about 50 minutes)."""

from __future__ import annotations

import pytest

from tests.streams.chaos import crash_run, pause_run, pauses_in_turn_run, restart_run

pytestmark = pytest.mark.broker


@pytest.mark.timeout(300)
async def test_kills_during_a_burst_of_interleaved_legs_lose_nothing(broker_url, tmp_path):
    outcome = await crash_run(broker_url, tmp_path, seed=1, ties=100, kills=2, interleaved=True)
    print(outcome)
    assert outcome.wrong == [] and outcome.regressions == 0


@pytest.mark.timeout(300)
async def test_a_paused_worker_that_lost_its_partitions_publishes_nothing_stale(
    broker_url, tmp_path
):
    outcome = await pause_run(broker_url, tmp_path, seed=1, ties=60)
    print(outcome)
    assert outcome.wrong == [] and outcome.regressions == 0


@pytest.mark.timeout(300)
async def test_a_restart_with_nothing_after_it_publishes_every_state_right(broker_url, tmp_path):
    outcome, took = await restart_run(broker_url, tmp_path, ties=50)
    print(outcome, f"- all right {took:.1f}s after the new worker was ready")
    assert outcome.wrong == [] and outcome.regressions == 0


@pytest.mark.slow
@pytest.mark.timeout(3600)
async def test_twenty_crash_runs_with_legs_interleaved_and_in_order_lose_nothing(
    broker_url, tmp_path
):
    outcomes = []
    for run in range(20):
        outcome = await crash_run(
            broker_url, tmp_path / f"run{run}", seed=run, ties=200, kills=3,
            interleaved=run % 2 == 0,
        )  # fmt: skip
        print(f"crash run {run}: {outcome}")
        outcomes.append(outcome)
    wrong = sum(len(o.wrong) for o in outcomes)
    regressions = sum(o.regressions for o in outcomes)
    print(f"20 crash runs: {sum(o.ties for o in outcomes)} ties checked, {wrong} wrong, "
          f"{regressions} version regressions, {sum(o.kills for o in outcomes)} kills")  # fmt: skip
    assert wrong == 0 and regressions == 0


@pytest.mark.slow
@pytest.mark.timeout(1800)
async def test_paused_workers_in_five_runs_publish_nothing_stale(broker_url, tmp_path):
    outcomes = []
    for run in range(5):
        outcome = await pause_run(broker_url, tmp_path / f"run{run}", seed=run, ties=60)
        print(f"pause run {run}: {outcome}")
        outcomes.append(outcome)
    assert all(o.wrong == [] and o.regressions == 0 for o in outcomes)


@pytest.mark.slow
@pytest.mark.timeout(3600)
async def test_workers_paused_in_turn_three_times_in_ten_runs_publish_nothing_stale(
    broker_url, tmp_path
):
    outcomes = []
    for run in range(10):
        outcome = await pauses_in_turn_run(broker_url, tmp_path / f"run{run}", seed=run, ties=90)
        print(f"pauses in turn, run {run}: {outcome}")
        outcomes.append(outcome)
    assert all(o.wrong == [] and o.regressions == 0 for o in outcomes)


@pytest.mark.slow
@pytest.mark.timeout(1800)
async def test_five_restarts_with_nothing_after_them_end_right(broker_url, tmp_path):
    for run in range(5):
        outcome, took = await restart_run(broker_url, tmp_path / f"run{run}", ties=51)
        print(f"restart run {run}: {outcome}, all right {took:.1f}s after ready")
        assert outcome.wrong == [] and outcome.regressions == 0
