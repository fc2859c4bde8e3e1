"""Reading `match-events` back: a range (to heal a tie state behind the log), a partition to
its end, or one tie's whole history (to replay it).

Reads up to an offset the caller knows exists, or to the high watermark that the first fetch
response carries — never to `end_offsets`, which Tansu answers wrongly once producers batch.
Plain aiokafka consumers outside any group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from streams.worker.processor import Incoming
from streams.worker.transport import FETCH_MAX_WAIT_MS

log = logging.getLogger(__name__)

#: Per partition and fetch: more than any message a producer can send with the usual limits.
MAX_FETCH_BYTES = 16 * 1024 * 1024

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


def _consumer(bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=MAX_FETCH_BYTES,
    )


async def _drain(
    consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, stop: int | None, timeout: float
) -> AsyncIterator[Record]:
    """Records from ``start`` to ``stop``, or to the high watermark of the first fetch
    response when ``stop`` is None; raises TimeoutError after ``timeout`` s without one."""
    consumer.assign([tp])
    consumer.seek(tp, start)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    position, end = start, stop
    while end is None or position < end:
        if loop.time() > deadline:
            log.error("read of %s stalled at offset %d (wanted %d-%s)", tp, position, start, end)
            raise TimeoutError(f"reading {tp.topic}[{tp.partition}] stalled at offset {position}")
        batches = await consumer.getmany(tp, timeout_ms=500, max_records=5000)
        records = batches.get(tp, [])
        if end is None:
            end = consumer.highwater(tp)
        if records:
            deadline = loop.time() + timeout
        for record in records:
            if end is not None and record.offset >= end:
                return
            position = record.offset + 1
            yield record


class KafkaEventLog:
    """`match-events` read back for the processor's catch-up, gap reads and healing: one
    plain consumer outside any group, started on first use and kept."""

    def __init__(self, bootstrap: str, *, timeout: float = 60.0) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self._consumer: AIOKafkaConsumer | None = None

    async def read(
        self, topic: str, partition: int, start: int, stop: int | None
    ) -> AsyncIterator[Incoming]:
        if stop is not None and start >= stop:
            return
        if self._consumer is None:
            consumer = _consumer(self.bootstrap)
            await consumer.start()
            self._consumer = consumer
        try:
            async for record in _drain(
                self._consumer, TopicPartition(topic, partition), start, stop, self.timeout
            ):
                yield Incoming(topic, partition, record.offset, record.key, record.value)
        except Exception:
            await self.close()  # a fresh consumer next time
            raise

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()


async def read_range(
    bootstrap: str,
    topic: str,
    partition: int,
    start: int = 0,
    stop: int | None = None,
    *,
    timeout: float = 60.0,
) -> AsyncIterator[Record]:
    """Records of ``topic[partition]`` with ``start <= offset < stop``, in order; ``stop``
    None reads to the partition's end as of now (its fetch high watermark)."""
    if stop is not None and start >= stop:
        return
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        async for record in _drain(
            consumer, TopicPartition(topic, partition), start, stop, timeout
        ):
            yield record
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, bootstrap: str, topic: str) -> list[int]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
    if not found:
        raise LookupError(f"no topic {topic!r} on {bootstrap}")
    return sorted(found)


async def read_topic(bootstrap: str, topic: str, *, timeout: float = 60.0) -> AsyncIterator[Record]:
    """Every record of ``topic`` to its current end, partition after partition."""
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        for partition in await _partitions(consumer, bootstrap, topic):
            async for record in _drain(
                consumer, TopicPartition(topic, partition), 0, None, timeout
            ):
                yield record
    finally:
        await consumer.stop()


async def read_key(
    bootstrap: str, topic: str, key: bytes, *, timeout: float = 60.0
) -> list[Record]:
    """Every record of ``topic`` with ``key``, from the start to the current end, in order.
    Only the partition the default partitioner puts ``key`` in is read."""
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, bootstrap, topic)
        tp = TopicPartition(topic, DefaultPartitioner()(key, partitions, partitions))
        return [r async for r in _drain(consumer, tp, 0, None, timeout) if r.key == key]
    finally:
        await consumer.stop()
