"""Killing workers: the table comes back from its changelog, healed from the log where the
broker's recovery fell short, and every tie still ends as its offline fold."""

from __future__ import annotations

import asyncio

import pytest

from streams.bench.synthetic import generate_ties
from tests.seed import SEED_FILES, SEED_TIE, load_events
from tests.streams.harness import Namespace, Worker, feed, finished, latest_states, read_until
from tracker import TieState, fold, new_tie

pytestmark = pytest.mark.broker
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


async def test_a_changelog_record_the_worker_cannot_read_makes_it_rebuild_from_the_log(
    broker_url, tmp_path
):
    """A damaged (or newer-schema) record in the table's changelog: the restored table cannot
    be trusted, so the partition is folded again from `match-events`, not left short."""
    from aiokafka import AIOKafkaProducer

    from streams.worker.tables import changelog_topic_name
    from tests.streams.harness import send_raw

    space = Namespace(broker_url)
    events = load_events(*SEED_FILES)
    expected = fold(events, new_tie(SEED_TIE))
    first = Worker(space, log_dir=tmp_path, label="first").start()
    try:
        first.wait_ready()
        await feed(space, events)
        await read_until(space, space.topics.tie_scores, finished({SEED_TIE: expected}))
        await asyncio.sleep(1.5)
    finally:
        first.kill()
    producer = AIOKafkaProducer(bootstrap_servers=space.bootstrap)
    await producer.start()
    try:
        where = await producer.send_and_wait(
            space.topics.match_events,
            key=SEED_TIE.encode(),
            value=events[-1].model_dump_json().encode(),
        )
        await producer.send_and_wait(changelog_topic_name(space.name), key=SEED_TIE.encode(),
                                     value=b'{"schema_version": 9, "damaged": true}',
                                     partition=where.partition)  # fmt: skip
    finally:
        await producer.stop()
    second = Worker(space, log_dir=tmp_path, label="second").start()
    try:
        second.wait_ready()
        await send_raw(space, [(SEED_TIE.encode(), events[-2].model_dump_json().encode())])
        scores = await read_until(
            space, space.topics.tie_scores,
            lambda values: len(values) > 1 and finished({SEED_TIE: expected})(values[-1:]),
        )  # fmt: skip
        letters = await read_until(space, space.topics.dead_letters, lambda v: bool(v), 3)
    finally:
        second.stop()
    assert latest_states(scores)[SEED_TIE].to_json() == expected.to_json()
    assert "will be rebuilt from match-events" in second.log()
    assert letters == []  # the redelivered events were duplicates, not of an unknown tie


async def test_a_worker_survives_rebalances_after_it_has_written_its_table(broker_url, tmp_path):
    """A second worker joins, then dies: the first one's recovery of the partitions it gets
    back reached further into the changelog than Tansu's (too low) end offsets say. Faust's
    consistency check used to crash the worker on that; the ties must end right instead."""
    space = Namespace(broker_url)
    ties = list(generate_ties(5, 30, prefix=space.name, rules=("uefa-2021",)))
    expected = {tie[0].tie_id: fold(tie, new_tie(tie[0].tie_id)) for tie in ties}
    thirds = [len(tie) // 3 for tie in ties]
    one = Worker(space, tmp_path, "one").start()
    two = Worker(space, tmp_path, "two")
    try:
        one.wait_ready()
        await feed(space, [e for tie, n in zip(ties, thirds, strict=True) for e in tie[:n]])
        two.start()
        two.wait_ready()
        await feed(space, [e for tie, n in zip(ties, thirds, strict=True) for e in tie[n : 2 * n]])
        await asyncio.sleep(3)
        two.kill()
        await feed(space, [e for tie, n in zip(ties, thirds, strict=True) for e in tie[2 * n :]])
        scores = await read_until(space, space.topics.tie_scores, finished(expected), timeout=120)
        assert one.process is not None and one.process.poll() is None, one.log()[-3000:]
    finally:
        two.kill()
        one.stop()
    latest = latest_states(scores)
    wrong = [
        t for t, s in expected.items() if t not in latest or latest[t].to_json() != s.to_json()
    ]
    assert not wrong, f"{len(wrong)} ties differ, e.g. {wrong[:3]}"
    assert "ConsistencyError" not in one.log()
