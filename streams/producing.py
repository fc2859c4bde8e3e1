"""Feeding match events into `match-events`: validated, keyed by tie_id, paced by the clock."""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from streams.codecs import encode_event
from streams.matchfiles import SourcedEvent
from tracker.events import MatchScheduled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timed:
    """An event and the match minute it is sent at (monotonic within its match)."""

    minute: float
    event: SourcedEvent


def clock_order(events: Iterable[SourcedEvent]) -> list[Timed]:
    """Events of several matches merged by their match clocks; each match keeps its order.

    Different matches play at the same time, so they interleave by clock. The legs of one
    tie do not: leg 2 starts where leg 1 ended (its clock counts on from leg 1's last
    minute). Stoppage time counts on (90+3 is minute 93); an event without a minute, or whose
    clock goes back (second half kick-off after 45+2), keeps the match's previous minute.
    """
    per_match: dict[str, list[Timed]] = {}
    last: dict[str, float] = {}
    legs: dict[str, int] = {}
    for sourced in events:
        event = sourced.event
        now = last.get(event.match_id, 0.0)
        if event.minute is not None:
            now = max(now, float(event.minute + (event.added_minute or 0)))
        last[event.match_id] = now
        if isinstance(event, MatchScheduled):
            legs.setdefault(event.match_id, event.leg)
        per_match.setdefault(event.match_id, []).append(Timed(now, sourced))
    _play_legs_in_order(per_match, legs)
    streams = [
        [
            (timed.minute, legs.get(match_id, 1), order, index, timed)
            for index, timed in enumerate(timeds)
        ]
        for order, (match_id, timeds) in enumerate(per_match.items())
    ]
    return [item[-1] for item in heapq.merge(*streams)]


def _play_legs_in_order(per_match: dict[str, list[Timed]], legs: dict[str, int]) -> None:
    """Shift each later leg of a tie to start when the leg before it ended."""
    by_tie: dict[str, list[str]] = {}
    for match_id, timeds in per_match.items():
        by_tie.setdefault(timeds[0].event.event.tie_id, []).append(match_id)
    for match_ids in by_tie.values():
        ordered = sorted(match_ids, key=lambda m: legs.get(m, 1))  # stable: file order
        start = 0.0
        for match_id in ordered:
            timeds = per_match[match_id]
            if start:
                per_match[match_id] = [Timed(start + t.minute, t.event) for t in timeds]
            start = per_match[match_id][-1].minute


async def start_producer(bootstrap: str, *, linger_ms: int = 5) -> AIOKafkaProducer:
    """A started producer waiting for all replicas; idempotent where the broker allows it
    (Tansu has no InitProducerId, so there the producer falls back to acks=all alone)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=linger_ms
    )
    sender_log = logging.getLogger("aiokafka.producer.sender")
    level = sender_log.level
    sender_log.setLevel(logging.CRITICAL)  # the refusal is expected on Tansu: say it once, below
    try:
        await producer.start()
        return producer
    except KafkaError as error:
        await producer.stop()
        log.info("broker refused an idempotent producer (%s); using acks=all", error)
    finally:
        sender_log.setLevel(level)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=linger_ms)
    await producer.start()
    return producer


async def send_events(
    producer: AIOKafkaProducer,
    topic: str,
    timed: Sequence[Timed],
    *,
    speed: float = 0.0,
    on_sent: Callable[[Timed], None] | None = None,
    sleep: Callable[[float], object] = asyncio.sleep,
) -> int:
    """Send every event keyed by tie_id, pacing by the match clock at ``speed`` (match
    seconds per real second; 0 = as fast as possible); waits for every acknowledgement."""
    pending = []
    previous: float | None = None
    for item in timed:
        if speed > 0 and previous is not None and item.minute > previous:
            for future in pending:
                await future
            pending.clear()
            await sleep((item.minute - previous) * 60.0 / speed)  # type: ignore[misc]
        previous = item.minute
        event = item.event.event
        pending.append(
            await producer.send(topic, key=event.tie_id.encode(), value=encode_event(event))
        )
        if on_sent is not None:
            on_sent(item)
    for future in pending:
        await future
    return len(timed)
