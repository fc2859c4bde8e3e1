"""Fuzz: over ten thousand malformed messages of every kind, shuffled around the seed tie's
real events, through a real worker on the embedded broker. The worker stays up, every bad
message is in `dead-letters` with its reason, and the seed tie ends as its offline fold."""

from __future__ import annotations

import asyncio
import collections
import os

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from tests.fuzzing import BadMessages
from tests.seed import SEED_FILES, SEED_TIE, load_events
from tests.streams.harness import Namespace, Worker, finished, latest_states, read_until
from tracker import fold, new_tie

pytestmark = pytest.mark.broker
FUZZ_SEED = int(os.environ.get("TRACKER_FUZZ_SEED", "2025"))


@pytest.mark.timeout(600)
async def test_ten_thousand_bad_messages_are_dead_lettered_and_the_seed_tie_still_ends_right(
    broker_url, tmp_path
):
    space = Namespace(broker_url)
    events = load_events(*SEED_FILES)
    messages = list(BadMessages(events, FUZZ_SEED).stream())
    bad = [m for m in messages if m.reason is not None]
    assert len(bad) >= 10_000
    worker = Worker(space, tmp_path).start()
    try:
        worker.wait_ready()
        producer = AIOKafkaProducer(
            bootstrap_servers=space.bootstrap, max_request_size=8 * 1024 * 1024, linger_ms=5
        )
        await producer.start()
        try:
            pending = [
                await producer.send(space.topics.match_events, key=m.key, value=m.value)
                for m in messages
            ]
            sent = await asyncio.gather(*pending)
        finally:
            await producer.stop()
        expected = {
            (meta.partition, meta.offset): m for meta, m in zip(sent, messages, strict=True)
        }
        want = {where: m.reason for where, m in expected.items() if m.reason is not None}
        letters = await read_until(
            space, space.topics.dead_letters, lambda values: len(values) >= len(want), 300
        )
        scores = await read_until(
            space, space.topics.tie_scores, finished({SEED_TIE: fold(events, new_tie(SEED_TIE))})
        )
        assert worker.process is not None and worker.process.poll() is None, "the worker died"
    finally:
        worker.stop()
    got = {}
    for _, value in letters:
        letter = orjson.loads(value)
        got[(letter["partition"], letter["offset"])] = letter["reason"]
        assert len(value) < 8192 and letter["sha256"] and letter["error"]
    missing = {where: want[where] for where in want if where not in got}
    assert not missing, (
        f"{len(missing)} bad messages not dead-lettered, e.g. {list(missing.items())[:3]}"
    )
    wrong = {w: (want[w], got[w], expected[w].kind) for w in want if got[w] != want[w]}
    assert not wrong, f"{len(wrong)} with another reason, e.g. {list(wrong.items())[:5]}"
    assert not set(got) - set(want), "a real event was dead-lettered"
    final = latest_states(scores)[SEED_TIE]
    assert final.to_json() == fold(events, new_tie(SEED_TIE)).to_json()
    by_reason = collections.Counter(want.values())
    print(
        f"fuzzed {len(bad)} bad messages (seed {FUZZ_SEED}): dead-lettered {len(got)}: "
        + ", ".join(f"{reason} {count}" for reason, count in by_reason.most_common())
    )
