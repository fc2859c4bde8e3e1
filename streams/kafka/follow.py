"""Following the update topics from any point: the start, or "now" measured correctly.

"Now" is the fetch high watermark of each partition, not `end_offsets`/`latest`, which
Tansu answers wrongly once producers batch (see DESIGN.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError

from streams.kafka.probe import BrokerUnavailable
from streams.worker.transport import FETCH_MAX_WAIT_MS


@dataclass(frozen=True)
class Update:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


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


async def _existing_partitions(
    consumer: AIOKafkaConsumer, topics: Sequence[str]
) -> list[TopicPartition]:
    """The partitions of those ``topics`` that exist now; asks for every topic's metadata, so
    no topic is auto-created by asking."""
    cluster = await consumer._client.fetch_all_metadata()
    return [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in sorted(cluster.partitions_for_topic(topic) or ())
    ]


async def start_consumer(consumer: AIOKafkaConsumer, bootstrap: str) -> None:
    """Start ``consumer``; when no broker answers, close it and raise BrokerUnavailable."""
    try:
        await consumer.start()
    except KafkaConnectionError as error:
        await consumer.stop()
        raise BrokerUnavailable(bootstrap, str(error) or "cannot bootstrap") from None
    except BaseException:
        await consumer.stop()
        raise


async def follow(
    bootstrap: str,
    topics: Sequence[str],
    *,
    from_beginning: bool,
    on_waiting: Callable[[list[str]], None] | None = None,
    on_ready: Callable[[list[str]], None] | None = None,
    recheck_every: float = 0.5,
) -> AsyncIterator[Update]:
    """Every message of ``topics`` from the start, or from now on; runs until cancelled.

    A topic that does not exist yet is waited for (``on_waiting(missing)`` says so once) and
    read from its beginning when it appears, so a subscriber started before the worker misses
    nothing. ``on_ready(topics)`` names the topics each time some are positioned (all of those
    that exist at the start, then each that appears later)."""
    consumer = AIOKafkaConsumer(
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await start_consumer(consumer, bootstrap)
    try:
        loop = asyncio.get_running_loop()
        positions: dict[TopicPartition, int] = {}
        assigned: list[TopicPartition] = []
        is_first, next_check = True, 0.0
        while True:
            missing = [t for t in topics if t not in {tp.topic for tp in assigned}]
            if missing and loop.time() >= next_check:
                next_check = loop.time() + recheck_every
                found = await _existing_partitions(consumer, missing)
                if found:
                    consumer.assign(assigned + found)
                    for tp in assigned:  # re-assigning forgets positions: restore them
                        consumer.seek(tp, positions[tp])
                    if is_first and not from_beginning:
                        ends = await high_watermarks(consumer, found)
                    else:  # appeared since we started: all of it is new
                        ends = {tp: 0 for tp in found}
                    for tp, offset in ends.items():
                        consumer.seek(tp, offset)
                        positions[tp] = offset
                    assigned += found
                    appeared = {tp.topic for tp in found}
                    missing = [t for t in missing if t not in appeared]
                    if on_ready is not None:
                        on_ready([t for t in topics if t in appeared])
                if missing and is_first and on_waiting is not None:
                    on_waiting(missing)
                is_first = False
            if not assigned:
                await asyncio.sleep(recheck_every)
                continue
            batches = await consumer.getmany(timeout_ms=int(recheck_every * 1000))
            for tp, records in batches.items():
                for record in records:
                    positions[tp] = record.offset + 1
                    if record.value is not None:
                        yield Update(
                            tp.topic, tp.partition, record.offset, record.key, record.value
                        )
    finally:
        await consumer.stop()


async def in_bursts(
    updates: AsyncIterator[Update], quiet: float = 0.1
) -> AsyncIterator[list[Update]]:
    """The updates grouped as they arrive: a burst ends when nothing more comes for ``quiet``
    seconds. Records of two topics published together (a tie update and its moments) then
    land in one burst, whichever topic's fetch brought them first."""
    pending: asyncio.Future[Update] = asyncio.ensure_future(anext(updates))
    try:
        while True:
            burst = [await pending]
            while True:
                pending = asyncio.ensure_future(anext(updates))
                done, _ = await asyncio.wait({pending}, timeout=quiet)
                if not done:
                    break
                burst.append(pending.result())
            yield burst
    finally:
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
            await pending
