"""Killing workers: the table comes back from its changelog, healed from the log where the
broker's recovery fell short, and every tie still ends as its offline fold."""

from __future__ import annotations

import asyncio

import pytest

from streams.synthetic import generate_ties
from tests.conftest import SEED_FILES, load_events
from tests.streams.harness import Namespace, Worker, feed, finished, latest_states, read_until
from tracker import TieState, fold, new_tie

pytestmark = pytest.mark.broker
SEED_TIE = "2025-concacaf-qf-lafc-inter-miami"
KILL_POINTS = [5, 11, 16, 19]


async def kill_mid_seed_tie(broker_url: str, log_dir, kill_after: int) -> tuple[TieState, str]:
    """Feed the seed tie up to ``kill_after`` events, let the worker process and commit them,
    SIGKILL it, start a new one, feed the rest; returns the final state and both logs."""
    space = Namespace(broker_url)
    events = load_events(*SEED_FILES)
    expected = fold(events, new_tie(SEED_TIE))
    first = Worker(space, log_dir, "first").start()
    first.wait_ready()
    await feed(space, events[:kill_after])
    prefix = {SEED_TIE: fold(events[:kill_after], new_tie(SEED_TIE))}
    await read_until(space, space.topics.tie_scores, finished(prefix))
    await asyncio.sleep(2.5)  # past a commit interval: the source offset is committed
    first.kill()
    second = Worker(space, log_dir, "second").start()
    try:
        second.wait_ready()
        await feed(space, events[kill_after:])
        scores = await read_until(
            space, space.topics.tie_scores, finished({SEED_TIE: expected}), timeout=90
        )
        return latest_states(scores)[SEED_TIE], first.log() + second.log()
    finally:
        second.stop()


@pytest.mark.parametrize("kill_after", KILL_POINTS)
async def test_a_worker_killed_mid_tie_restarts_and_ends_as_the_offline_fold(
    broker_url, tmp_path, kill_after
):
    expected = fold(load_events(*SEED_FILES), new_tie(SEED_TIE))
    final, _ = await kill_mid_seed_tie(broker_url, tmp_path, kill_after)
    assert final.to_json() == expected.to_json()
    assert final.aggregate == {"LAFC": 2, "Inter Miami": 3}  # no goal counted twice


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("kill_after", KILL_POINTS)
async def test_ten_kills_at_each_point_all_end_as_the_offline_fold(
    broker_url, tmp_path, kill_after
):
    expected = fold(load_events(*SEED_FILES), new_tie(SEED_TIE)).to_json()
    healed = 0
    for _ in range(10):
        final, logs = await kill_mid_seed_tie(broker_url, tmp_path, kill_after)
        assert final.to_json() == expected
        healed += "was behind the log" in logs
    print(f"kill after {kill_after}: 10/10 correct, healing needed in {healed}")


async def test_two_workers_share_the_ties_and_one_takes_over_when_the_other_dies(
    broker_url, tmp_path
):
    space = Namespace(broker_url)
    ties = list(generate_ties(11, 40, prefix=space.name, rules=("uefa-2021",)))
    expected = {tie[0].tie_id: fold(tie, new_tie(tie[0].tie_id)) for tie in ties}
    halves = [tie[: len(tie) // 2] for tie in ties]
    one = Worker(space, tmp_path, "one").start()
    two = Worker(space, tmp_path, "two").start()
    try:
        one.wait_ready()
        two.wait_ready()
        await feed(space, [event for half in halves for event in half])
        midway = {h[0].tie_id: fold(h, new_tie(h[0].tie_id)) for h in halves}
        await read_until(space, space.topics.tie_scores, finished(midway), timeout=90)
        assert "assigned" in one.log() and "assigned" in two.log()
        one.kill()
        await feed(space, [event for tie in ties for event in tie[len(tie) // 2 :]])
        scores = await read_until(space, space.topics.tie_scores, finished(expected), timeout=120)
        latest = latest_states(scores)
        wrong = [
            t for t, s in expected.items() if t not in latest or latest[t].to_json() != s.to_json()
        ]
        assert not wrong, f"{len(wrong)} ties differ after the takeover, e.g. {wrong[:3]}"
    finally:
        one.kill()
        two.stop()
