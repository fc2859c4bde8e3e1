"""Reading `match-events` back: a range (to heal a tie state behind the log) or one tie's
whole history (to replay it).

Reads up to an offset the caller knows exists, or to the high watermark that fetch
responses carry — never to `end_offsets`, which Tansu answers wrongly once producers batch.
Plain aiokafka consumers outside any group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

log = logging.getLogger(__name__)


async def read_range(
    bootstrap: str,
    topic: str,
    partition: int,
    start: int,
    stop: int,
    *,
    timeout: float = 30.0,
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Records of ``topic[partition]`` with ``start <= offset < stop``, in order."""
    if start >= stop:
        return
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        position = start
        while position < stop:
            if loop.time() > deadline:
                log.error(
                    "healing read of %s[%d] stopped at offset %d of %d-%d after %.0fs",
                    topic,
                    partition,
                    position,
                    start,
                    stop,
                    timeout,
                )
                return
            batches = await consumer.getmany(tp, timeout_ms=500, max_records=1000)
            for record in batches.get(tp, []):
                if record.offset >= stop:
                    return
                position = record.offset + 1
                yield record
    finally:
        await consumer.stop()


async def read_key(
    bootstrap: str, topic: str, key: bytes, *, timeout: float = 60.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` with ``key``, from the start to the current end, in order.
    Only the partition the default partitioner puts ``key`` in is read."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = sorted(consumer.partitions_for_topic(topic) or ())
        if not partitions:
            raise LookupError(f"no topic {topic!r} on {bootstrap}")
        tp = TopicPartition(topic, DefaultPartitioner()(key, partitions, partitions))
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        found: list[ConsumerRecord[bytes, bytes]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            batches = await consumer.getmany(tp, timeout_ms=500)
            found += [record for record in batches.get(tp, []) if record.key == key]
            high = consumer.highwater(tp)
            if high is not None and await consumer.position(tp) >= high:
                return found
        raise TimeoutError(f"reading {topic} did not reach its end in {timeout:.0f}s")
    finally:
        await consumer.stop()
