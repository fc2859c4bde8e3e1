"""Re-reading a range of `match-events`, so a tie state that is behind the log can catch up.

Reads to an offset the caller already knows exists (never to `end_offsets`, which Tansu
answers wrongly once producers batch), with a plain aiokafka consumer outside any group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

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
