"""Reading a whole topic back from the embedded broker: every partition at once, each in
order, to its end; and every tie of a `match-events` log re-folded from it (`replay --all`)."""

from __future__ import annotations

import uuid

import orjson
import pytest

from streams.clients import replay
from streams.clients.replay import replay_all
from streams.codecs import encode_event
from streams.config import bootstrap_of
from streams.kafka.admin import create_topics
from streams.kafka.clients import producing
from streams.kafka.log import read_topic
from tests.seed import SEED_FILES, SEED_TIE, load_events
from tracker import MatchEvent, fold, new_tie

pytestmark = pytest.mark.broker


def _copy_of_the_seed_tie(tie_id: str) -> list[MatchEvent]:
    return [
        e.model_copy(update={"tie_id": tie_id, "match_id": f"{tie_id}-{e.match_id[-4:]}",
                             "event_id": f"{tie_id}-{e.event_id}"})
        for e in load_events(*SEED_FILES)
    ]  # fmt: skip


async def test_read_topic_reads_every_partition_to_its_end_each_in_order(broker_url):
    bootstrap = bootstrap_of(broker_url)
    topic = f"reads-{uuid.uuid4().hex[:8]}"
    await create_topics(bootstrap, {topic: (4, False)})
    async with producing(bootstrap) as producer:
        for n in range(300):  # partition 3 left empty
            await producer.send_and_wait(topic, b"%d" % n, partition=n % 3)
    records = [record async for record in read_topic(bootstrap, topic)]
    assert len(records) == 300
    for partition in range(3):
        mine = [r for r in records if r.partition == partition]
        assert [r.offset for r in mine] == list(range(100))
        assert [int(r.value or b"") for r in mine] == list(range(partition, 300, 3))


async def test_every_tie_in_the_log_is_re_folded_as_offline_and_each_bad_message_named(
    broker_url, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(replay, "REPLAY_STRETCH", 7)  # stretches cut the ties anywhere
    bootstrap = bootstrap_of(broker_url)
    topic = f"match-events-{uuid.uuid4().hex[:8]}"
    await create_topics(bootstrap, {topic: (2, False)})
    seed, other = load_events(*SEED_FILES), _copy_of_the_seed_tie("other-tie")
    async with producing(bootstrap) as producer:
        for pair in zip(seed, other, strict=True):
            for event in pair:
                await producer.send_and_wait(
                    topic, encode_event(event), key=event.tie_id.encode(), partition=0
                )
        await producer.send_and_wait(topic, b"not json", key=b"other-tie", partition=1)
        misfiled = orjson.dumps(seed[3].model_dump(mode="json"))
        await producer.send_and_wait(topic, misfiled, key=b"somewhere-else", partition=1)
    result = await replay_all(bootstrap, topic)
    assert [tie.tie_id for tie in result.ties] == [SEED_TIE, "other-tie"]  # by tie id
    for tie, events in zip(result.ties, (seed, other), strict=True):
        assert tie.to_json() == fold(events, new_tie(tie.tie_id)).to_json()
    assert [(e.file, e.line, e.field) for e in result.errors] == [
        (f"{topic}[1]", 0, "(json)"),
        (f"{topic}[1]", 1, "tie_id"),
    ]
    assert "key b'somewhere-else', not the event's tie_id" in result.errors[1].reason
