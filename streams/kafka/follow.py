"""Following the update topics from any point: the start, or "now" measured correctly.

"Now" is the fetch high watermark of each partition, not `end_offsets`/`latest`, which
Tansu answers wrongly once producers batch (see DESIGN.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition

from streams.kafka.clients import consuming
from streams.kafka.log import Record, existing_partitions, high_watermarks


@dataclass(frozen=True)
class Update(Record):
    """A record with a value: :func:`follow` skips tombstones."""

    value: bytes


async def follow(
    bootstrap: str,
    topics: Sequence[str],
    *,
    from_beginning: bool,
    on_waiting: Callable[[list[str]], None] | None = None,
    on_ready: Callable[[list[str]], None] | None = None,
    on_caught_up: Callable[[], None] | None = None,
    recheck_every: float = 0.5,
) -> AsyncGenerator[Update, None]:
    """Every message of ``topics`` from the start, or from now on; runs until cancelled.

    A topic that does not exist yet is waited for (``on_waiting(missing)`` says so once) and
    read from its beginning when it appears, so a subscriber started before the worker misses
    nothing. ``on_ready(topics)`` names the topics each time some are positioned (all of those
    that exist at the start, then each that appears later). ``on_caught_up()`` is called once,
    when every message there was at the start has been yielded (at once when following from
    now on): the first updates of a backlog may be stale, and a subscriber waiting for a
    state must not take an old one for it."""
    async with consuming(bootstrap) as consumer:
        loop = asyncio.get_running_loop()
        positions: dict[TopicPartition, int] = {}
        assigned: list[TopicPartition] = []
        is_first, next_check = True, 0.0
        backlog: dict[TopicPartition, int] | None = None  # the start's ends, until read
        while True:
            missing = [t for t in topics if t not in {tp.topic for tp in assigned}]
            if missing and loop.time() >= next_check:
                next_check = loop.time() + recheck_every
                found = await existing_partitions(consumer, missing)
                if found:
                    consumer.assign(assigned + found)
                    for tp in assigned:  # re-assigning forgets positions: restore them
                        consumer.seek(tp, positions[tp])
                    if is_first:
                        backlog = await high_watermarks(consumer, found)
                    if is_first and not from_beginning:
                        ends = dict(backlog or {})
                    else:  # from the start, or appeared since we started: all of it is new
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
                if is_first and backlog is None:
                    backlog = {}  # nothing there at the start
                is_first = False
            if backlog is not None and all(positions[tp] >= end for tp, end in backlog.items()):
                backlog = None
                if on_caught_up is not None:
                    on_caught_up()
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


async def in_bursts(
    updates: AsyncIterator[Update], quiet: float = 0.1
) -> AsyncGenerator[list[Update], None]:
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
