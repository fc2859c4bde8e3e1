"""The seed tie and generated ties through a real Faust worker on the embedded broker."""

from __future__ import annotations

import itertools
import random

import orjson
import pytest
from aiokafka import TopicPartition

from streams.bench.synthetic import generate_ties
from streams.kafka.admin import create_topics
from streams.kafka.clients import consuming
from streams.kafka.log import high_watermarks
from tests.builders import moments_told
from tests.seed import SEED_FILES, SEED_TIE, load_events
from tests.streams.harness import (
    Namespace,
    Worker,
    feed,
    finished,
    latest_states,
    read_until,
    send_raw,
)
from tracker import MatchEvent, TieState, evolve, fold, new_tie
from tracker.events import MatchScheduled
from tracker.rules import PRESETS

pytestmark = pytest.mark.broker


def offline(events: list[MatchEvent]) -> dict[str, TieState]:
    ties: dict[str, TieState] = {}
    for event in events:
        ties[event.tie_id] = evolve(ties.get(event.tie_id) or new_tie(event.tie_id), event)
    return ties


@pytest.fixture
def space(broker_url):
    return Namespace(broker_url)


@pytest.fixture
def worker(space, tmp_path):
    started = Worker(space, tmp_path).start()
    started.wait_ready()
    yield started
    started.stop()


async def test_the_seed_tie_ends_byte_identical_to_the_offline_fold(space, worker):
    events = load_events(*SEED_FILES)
    expected = offline(events)
    await feed(space, events)
    scores = await read_until(space, space.topics.tie_scores, finished(expected))
    final = latest_states(scores)[SEED_TIE]
    assert final.to_json() == expected[SEED_TIE].to_json()
    versions = [orjson.loads(v)["version"] for _, v in scores]
    # Fed as fast as possible, runs of events coalesce into one update per tie: versions
    # only grow, and may skip; moments (below) are never coalesced.
    assert versions == sorted(set(versions)) and versions[-1] == len(events)
    told = await read_until(
        space, space.topics.moments, lambda values: b"go through" in values[-1], timeout=20
    )
    assert [orjson.loads(v)["text"] for _, v in told] == [
        moment.text for moment in moments_told(events)
    ]


async def test_match_events_reach_the_processor_from_the_transport_not_through_a_faust_stream(
    space, worker
):
    events = load_events(*SEED_FILES)
    expected = offline(events)
    await feed(space, events)
    scores = await read_until(space, space.topics.tie_scores, finished(expected))
    assert latest_states(scores)[SEED_TIE].to_json() == expected[SEED_TIE].to_json()
    # The agent's own stream loop says so the first time a message reaches it.
    assert "reached the agent's stream" not in worker.log()


async def test_a_backlog_caught_up_at_start_is_committed_before_the_fetcher_starts(space, tmp_path):
    """The catch-up folds the backlog before Faust's fetcher starts from the group's commit;
    committed where the catch-up ended, the fetcher does not read the backlog again."""
    ties = list(generate_ties(5, 12, prefix=space.name, rules=("uefa-2021",)))
    events = [event for tie in ties for event in tie]
    await create_topics(space.bootstrap, space.topics.layout(space.partitions))
    await feed(space, events)
    partitions = [TopicPartition(space.topics.match_events, n) for n in range(space.partitions)]
    # Faust's own commits an hour apart: only the one after the catch-up can be seen here.
    worker = Worker(space, tmp_path, env={"TRACKER_COMMIT_INTERVAL": "3600"}).start()
    try:
        async with consuming(space.bootstrap, group_id=space.name) as reader:
            reader.assign(partitions)
            ends = await high_watermarks(reader, partitions)
            assert sum(ends.values()) == len(events)
            worker.wait_ready()
            committed = {tp: await reader.committed(tp) for tp in partitions}
        assert committed == ends
        expected = offline(events)
        scores = await read_until(space, space.topics.tie_scores, finished(expected))
        assert {tie: state.to_json() for tie, state in latest_states(scores).items()} == {
            tie: state.to_json() for tie, state in expected.items()
        }
    finally:
        worker.stop()


def interleavable(events: list[MatchEvent]) -> list[MatchEvent]:
    """The seed tie under rules that let a feed interleave the legs' events."""
    rules = PRESETS["concacaf-champions-cup-2025"].model_copy(update={"legs_in_order": False})
    return [
        event.model_copy(update={"rules": rules}) if isinstance(event, MatchScheduled) else event
        for event in events
    ]


async def test_duplicates_and_interleaved_legs_change_nothing(space, worker):
    leg1, leg2 = (interleavable(load_events(path)) for path in SEED_FILES)
    interleaved = [e for pair in itertools.zip_longest(leg1, leg2) for e in pair if e]
    doubled = [e for event in interleaved for e in (event, event)]
    expected = offline(leg1 + leg2)
    await feed(space, doubled)
    scores = await read_until(space, space.topics.tie_scores, finished(expected))
    assert latest_states(scores)[SEED_TIE].to_json() == expected[SEED_TIE].to_json()
    versions = [orjson.loads(v)["version"] for _, v in scores]
    assert versions == sorted(set(versions))  # copies never republish a version
    told = await read_until(
        space, space.topics.moments, lambda values: b"go through" in values[-1], timeout=20
    )
    assert len(told) == len(moments_told(interleaved))


async def test_two_hundred_generated_ties_fed_concurrently_end_as_their_offline_folds(
    space, worker
):
    ties = list(
        generate_ties(
            7, 200, prefix=space.name,
            rules=("uefa-2021", "concacaf-champions-cup-2025", "single-match-knockout", "league"),
        )
    )  # fmt: skip
    expected = {tie[0].tie_id: fold(tie, new_tie(tie[0].tie_id)) for tie in ties}
    rng = random.Random(3)
    queues = [list(tie) for tie in ties]
    mixed: list[MatchEvent] = []
    while queues:  # all ties at once: each in its own order, randomly interleaved
        queue = rng.choice(queues)
        mixed.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    await feed(space, mixed)
    scores = await read_until(space, space.topics.tie_scores, finished(expected), timeout=180)
    latest = latest_states(scores)
    wrong = [
        t for t, s in expected.items() if t not in latest or latest[t].to_json() != s.to_json()
    ]
    assert not wrong, f"{len(wrong)} ties differ, e.g. {wrong[:3]}"


async def test_bad_messages_land_in_dead_letters_while_good_events_flow(space, worker):
    events = load_events(*SEED_FILES)
    good = [(e.tie_id.encode(), orjson.dumps(e.model_dump(mode="json"))) for e in events]
    unknown_team = events[10].model_copy(update={"team": "Pumas", "event_id": "x1", "seq": 99})
    backwards = events[12].model_copy(update={"event_id": "x2", "seq": 1})
    bad = [
        (SEED_TIE.encode(), b"this is not json"),
        (SEED_TIE.encode(), b'{"type": "goal_celebrated", "event_id": "x0"}'),
        (SEED_TIE.encode(), orjson.dumps(unknown_team.model_dump(mode="json"))),
    ]
    await send_raw(space, good[:12] + bad + good[12:14])
    await send_raw(space, [(SEED_TIE.encode(), orjson.dumps(backwards.model_dump(mode="json")))])
    await send_raw(space, good[14:])
    expected = offline(events)
    scores = await read_until(space, space.topics.tie_scores, finished(expected))
    assert latest_states(scores)[SEED_TIE].to_json() == expected[SEED_TIE].to_json()
    letters = await read_until(space, space.topics.dead_letters, lambda v: len(v) >= 4, 20)
    reasons = [orjson.loads(value) for _, value in letters]
    assert [(r["reason"], r["field"]) for r in reasons] == [
        ("invalid_event", "(json)"),
        ("invalid_event", "type"),
        ("rule_violation", "team"),
        ("rule_violation", "seq"),
    ]
    assert reasons[0]["original"] == "this is not json"
    assert {r["topic"] for r in reasons} == {space.topics.match_events}
    assert all(isinstance(r["offset"], int) for r in reasons)
