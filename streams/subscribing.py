"""Following the update topics from any point: the start, or "now" measured correctly.

"Now" is the fetch high watermark of each partition, not `end_offsets`/`latest`, which
Tansu answers wrongly once producers batch (see DESIGN.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.transport import FETCH_MAX_WAIT_MS


@dataclass(frozen=True)
class Update:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


async def _partitions(consumer: AIOKafkaConsumer, topic: str, wait: float) -> list[TopicPartition]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        if loop.time() > deadline:
            return []
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.2)


async def high_watermarks(
    consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition], timeout: float = 10.0
) -> dict[TopicPartition, int]:
    """The true end of each partition, learnt from fetch responses (not `end_offsets`)."""
    await consumer.seek_to_beginning(*partitions)
    ends: dict[TopicPartition, int] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(ends) < len(partitions):
        if loop.time() > deadline:
            raise TimeoutError(f"no fetch response for {set(partitions) - set(ends)}")
        unknown = [tp for tp in partitions if tp not in ends]
        await consumer.getmany(*unknown, timeout_ms=300, max_records=1)
        for tp in unknown:
            high = consumer.highwater(tp)
            if high is not None:
                ends[tp] = high
    return ends


async def follow(
    bootstrap: str,
    topics: Sequence[str],
    *,
    from_beginning: bool,
    wait_for_topics: float = 30.0,
) -> AsyncIterator[Update]:
    """Every message of ``topics`` from the start, or from now on; runs until cancelled."""
    consumer = AIOKafkaConsumer(
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        partitions = []
        for topic in topics:
            partitions += await _partitions(consumer, topic, wait_for_topics)
        if not partitions:
            raise LookupError(f"no such topic(s) on {bootstrap}: {', '.join(topics)}")
        consumer.assign(partitions)
        if from_beginning:
            await consumer.seek_to_beginning(*partitions)
        else:
            for tp, end in (await high_watermarks(consumer, partitions)).items():
                consumer.seek(tp, end)
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                for record in records:
                    if record.value is not None:
                        yield Update(
                            tp.topic, tp.partition, record.offset, record.key, record.value
                        )
    finally:
        await consumer.stop()
