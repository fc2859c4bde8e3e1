"""Reading topics back: a range of one partition (to heal a tie state behind the log), a
partition or a topic to its end, one key's whole history (to replay a tie).

Reads up to an offset the caller knows exists, or to the high watermark that fetch responses
carry — never to `end_offsets`, which Tansu answers wrongly once producers batch (see
DESIGN.md). Plain consumers outside any group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from streams.errors import TimedOut, TopicMissing
from streams.kafka.clients import broker_errors, consumer, consuming, start_client
from streams.worker.processor import Incoming

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record:
    """One record of a topic; ``value`` None is a tombstone."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


#: Where a read starts: an offset, or None for the partition's first record.
Start = int | None


async def high_watermarks(
    client: Any, partitions: Sequence[TopicPartition], timeout: float = 10.0
) -> dict[TopicPartition, int]:
    """The true end of each partition, learnt from fetch responses (not `end_offsets`)."""
    await client.seek_to_beginning(*partitions)
    ends: dict[TopicPartition, int] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(ends) < len(partitions):
        if loop.time() > deadline:
            raise TimedOut(f"no fetch response for {set(partitions) - set(ends)} in {timeout:g}s")
        unknown = [tp for tp in partitions if tp not in ends]
        await client.getmany(*unknown, timeout_ms=300, max_records=1)
        for tp in unknown:
            high = client.highwater(tp)
            if high is not None:
                ends[tp] = high
    return ends


async def existing_partitions(client: Any, topics: Sequence[str]) -> list[TopicPartition]:
    """The partitions of those ``topics`` that exist now; asks for every topic's metadata, so
    no topic is auto-created by asking."""
    cluster = await client._client.fetch_all_metadata()
    return [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in sorted(cluster.partitions_for_topic(topic) or ())
    ]


async def partitions_of(client: Any, bootstrap: str, topic: str) -> list[int]:
    """The partition numbers of ``topic``; :class:`TopicMissing` when it does not exist."""
    found = [tp.partition for tp in await existing_partitions(client, [topic])]
    if not found:
        raise TopicMissing(topic, bootstrap)
    return found


class KafkaEventLog:
    """`match-events` read back for the processor's catch-up, gap reads and healing: one
    plain consumer outside any group, started on first use and kept."""

    def __init__(self, bootstrap: str, *, timeout: float = 60.0) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self._consumer: Any = None

    async def read(
        self, topic: str, partition: int, start: int, stop: int | None
    ) -> AsyncIterator[Incoming]:
        if stop is not None and start >= stop:
            return
        if self._consumer is None:
            client = consumer(self.bootstrap)
            await start_client(client, self.bootstrap)
            self._consumer = client
        kept, tp = self._consumer, TopicPartition(topic, partition)
        try:
            with broker_errors(self.bootstrap):
                async for _, records in _drain(kept, {tp: (start, stop)}, self.timeout):
                    for raw in records:
                        yield Incoming(topic, partition, raw.offset, raw.key, raw.value)
        except Exception:
            await self.close()  # a fresh consumer next time
            raise
        finally:
            # Kept assigned, the consumer went on fetching the partition in the background,
            # a request every 10 ms for as long as the worker ran (an idle worker on 8
            # partitions: 0.147 -> 0.115 cores, its broker 0.149 -> 0.125). The next read
            # assigns its own partition, unpaused.
            if self._consumer is kept and tp in kept.assignment():
                kept.pause(tp)

    async def close(self) -> None:
        client, self._consumer = self._consumer, None
        if client is not None:
            await client.stop()


class LogRecord(Protocol):
    """A record as a read hands it over: an aiokafka ``ConsumerRecord``, or a :class:`Record`."""

    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


async def read_topic(bootstrap: str, topic: str, *, timeout: float = 60.0) -> AsyncIterator[Record]:
    """Every record of ``topic`` to its current end (each partition's fetch high watermark),
    every partition read at once: each partition's records in order, the partitions'
    interleaved as they arrive. :class:`TopicMissing` when the topic does not exist."""
    async for partition, records in read_topic_batches(bootstrap, topic, timeout=timeout):
        for raw in records:
            yield Record(topic, partition, raw.offset, raw.key, raw.value)


async def read_topic_batches(
    bootstrap: str, topic: str, *, timeout: float = 60.0
) -> AsyncIterator[tuple[int, Sequence[LogRecord]]]:
    """:func:`read_topic` a fetched batch at a time: a partition and its next records, in
    order. A replay reads a season this way (a record at a time, the two generators' steps
    and a :class:`Record` each cost a tenth of its time)."""
    async with consuming(bootstrap) as client:
        partitions = await partitions_of(client, bootstrap, topic)
        ranges: dict[TopicPartition, tuple[Start, int | None]] = {
            TopicPartition(topic, partition): (None, None) for partition in partitions
        }
        async for tp, records in _drain(client, ranges, timeout):
            yield tp.partition, records


async def _drain(
    client: Any, ranges: dict[TopicPartition, tuple[Start, int | None]], timeout: float
) -> AsyncIterator[tuple[TopicPartition, Sequence[Any]]]:
    """The records of each partition of ``ranges`` from its start to its stop, or when the
    stop is None to its high watermark as the first fetch response for it told, a fetched
    batch at a time: each partition's in order, the partitions' interleaved as they arrive.
    One fetch request carries them all (read one after another, each partition cost its own
    round trips). :class:`TimedOut` after ``timeout`` s without a record or a first response."""
    client.assign(list(ranges))
    for tp, (start, _) in ranges.items():
        if start is not None:
            client.seek(tp, start)
    # One call for them all: a call a partition waited for a round trip each (a replay of 8
    # partitions spent 27-35 ms in them), where together they are looked up with the fetch.
    if beginnings := [tp for tp, (start, _) in ranges.items() if start is None]:
        await client.seek_to_beginning(*beginnings)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    ends = {tp: stop for tp, (_, stop) in ranges.items() if stop is not None}
    positions = {tp: start or 0 for tp, (start, _) in ranges.items()}
    reading = [tp for tp in ranges if tp not in ends or positions[tp] < ends[tp]]
    while reading:
        if loop.time() > deadline:
            where = ", ".join(f"{tp.topic}[{tp.partition}]@{positions[tp]}" for tp in reading)
            log.error("read stalled at %s", where)
            raise TimedOut(f"reading stalled at {where}")
        batches = await client.getmany(*reading, timeout_ms=500, max_records=5000)
        for tp in reading:
            if tp not in ends and (high := client.highwater(tp)) is not None:
                ends[tp] = high
            end = ends.get(tp)
            records = batches.get(tp)
            if not records:
                continue
            if end is not None and records[-1].offset >= end:
                records = [record for record in records if record.offset < end]
                if not records:
                    continue
            positions[tp] = records[-1].offset + 1
            deadline = loop.time() + timeout
            yield tp, records
        done = [tp for tp in reading if tp in ends and positions[tp] >= ends[tp]]
        if done:
            client.pause(*done)  # no more fetches for them
            reading = [tp for tp in reading if tp not in done]


async def read_key(
    bootstrap: str, topic: str, key: bytes, *, timeout: float = 60.0
) -> list[Record]:
    """Every record of ``topic`` with ``key``, from the start to the current end, in order.
    Only the partition the default partitioner puts ``key`` in is read."""
    async with consuming(bootstrap) as client:
        partitions = await partitions_of(client, bootstrap, topic)
        tp = TopicPartition(topic, DefaultPartitioner()(key, partitions, partitions))
        return [
            Record(topic, tp.partition, raw.offset, raw.key, raw.value)
            async for _, records in _drain(client, {tp: (0, None)}, timeout)
            for raw in records
            if raw.key == key
        ]


async def commit_end(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """Commit the current end (fetch high watermark) of ``topic`` for consumer ``group``,
    so the group's consumer is fetched only what is sent from now on; returns each
    partition's end. A worker's processor starts from its table's marks, not from this
    commit: a fresh worker is told the ends with `streams.worker.tables.mark_folded_through`."""
    async with consuming(bootstrap, group_id=group) as client:
        tps = [TopicPartition(topic, p) for p in await partitions_of(client, bootstrap, topic)]
        client.assign(tps)
        ends = await high_watermarks(client, tps)
        await client.commit(ends)
    return {tp.partition: end for tp, end in ends.items()}
