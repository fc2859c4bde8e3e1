"""Feeding match events into `match-events`: validated, keyed by tie_id, paced by the clock."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from streams.clients.matchfiles import SourcedEvent
from streams.codecs import encode_event
from streams.kafka.probe import BrokerUnavailable
from tracker.events import MatchScheduled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timed:
    """An event and the feed minute it is sent at: its match minute, plus the length of the
    earlier legs of its tie when legs are fed one after the other (monotonic per tie)."""

    minute: float
    event: SourcedEvent


def _match_minutes(events: Iterable[SourcedEvent]) -> dict[str, list[Timed]]:
    """Each match's events in input order with a monotonic match minute.

    Stoppage time counts on (90+3 is minute 93); an event without a minute, or whose clock
    goes back (second half kick-off after 45+2), keeps the match's previous minute.
    """
    per_match: dict[str, list[Timed]] = {}
    last: dict[str, float] = {}
    for sourced in events:
        event = sourced.event
        now = last.get(event.match_id, 0.0)
        if event.minute is not None:
            now = max(now, float(event.minute + (event.added_minute or 0)))
        last[event.match_id] = now
        per_match.setdefault(event.match_id, []).append(Timed(now, sourced))
    return per_match


def _legs_in_order(matches: list[list[Timed]]) -> list[Timed]:
    """The matches of one tie played one after the other, by leg (input order where the leg
    is not in the input): leg 2 kicks off on the feed clock when leg 1's last event is sent."""

    def leg_of(timeds: list[Timed]) -> int:
        scheduled = (t.event.event for t in timeds if isinstance(t.event.event, MatchScheduled))
        return next((event.leg for event in scheduled), 1)

    played: list[Timed] = []
    offset = 0.0
    for timeds in sorted(matches, key=leg_of):  # stable: input order among equal legs
        played += [Timed(offset + timed.minute, timed.event) for timed in timeds]
        offset = played[-1].minute
    return played


def clock_order(events: Iterable[SourcedEvent]) -> list[Timed]:
    """The order to feed events in, as the matches would be played.

    The legs of one tie follow each other (leg 1 to its last event, then leg 2), each match
    keeping its own order; different ties interleave by their clocks, as matches played on
    the same evening do.
    """
    per_tie: dict[str, list[list[Timed]]] = {}
    for timeds in _match_minutes(events).values():
        per_tie.setdefault(timeds[0].event.event.tie_id, []).append(timeds)
    streams = [
        [(timed.minute, order, index, timed) for index, timed in enumerate(_legs_in_order(legs))]
        for order, legs in enumerate(per_tie.values())
    ]
    return [item[-1] for item in heapq.merge(*streams)]


async def start_producer(bootstrap: str, *, linger_ms: int = 5) -> AIOKafkaProducer:
    """A started producer waiting for all replicas; idempotent where the broker allows it
    (Tansu has no InitProducerId, so there the producer falls back to acks=all alone).
    Raises :class:`BrokerUnavailable` (and leaves nothing open) when no broker answers."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=linger_ms
    )
    sender_log = logging.getLogger("aiokafka.producer.sender")
    level = sender_log.level
    sender_log.setLevel(logging.CRITICAL)  # the refusal is expected on Tansu: say it once, below
    try:
        await _start(producer, bootstrap)
        return producer
    except BrokerUnavailable:
        raise
    except KafkaError as error:
        await producer.stop()
        log.info("broker refused an idempotent producer (%s); using acks=all", error)
    finally:
        sender_log.setLevel(level)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=linger_ms)
    await _start(producer, bootstrap)
    return producer


async def _start(producer: AIOKafkaProducer, bootstrap: str) -> None:
    try:
        await producer.start()
    except KafkaConnectionError as error:
        await producer.stop()
        raise BrokerUnavailable(bootstrap, str(error) or "cannot bootstrap") from None
    except BaseException:
        await producer.stop()
        raise


async def stop_producer(producer: AIOKafkaProducer, *, timeout: float = 2.0) -> None:
    """Flush and close the producer; one that cannot flush within ``timeout`` (its broker is
    gone: aiokafka would retry for its whole request timeout) is abandoned, not awaited."""
    stopping = asyncio.ensure_future(producer.stop())
    done, _ = await asyncio.wait({stopping}, timeout=timeout)
    if done:
        stopping.result()
        return
    sender = getattr(producer, "_sender", None)
    task = getattr(sender, "sender_task", None)
    if task is not None:
        task.cancel()  # lets stop() skip the flush and close the connections
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(stopping, timeout)


@dataclass
class FeedProgress:
    """What a feed has done so far: events handed to the producer, and which of them the
    broker acknowledged (read from their delivery futures, so always current)."""

    timed: Sequence[Timed]
    deliveries: list[asyncio.Future[object]] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return len(self.deliveries)

    @property
    def acknowledged(self) -> set[int]:
        """Positions (in ``timed``) of the events the broker acknowledged."""
        return {
            index
            for index, future in enumerate(self.deliveries)
            if future.done() and not future.cancelled() and future.exception() is None
        }

    def first_unacknowledged(self) -> Timed | None:
        """The earliest event (in feed order) the broker has not acknowledged: every event
        before it was acknowledged, so feeding again from it loses nothing."""
        acknowledged = self.acknowledged
        return next(
            (item for index, item in enumerate(self.timed) if index not in acknowledged), None
        )


async def send_events(
    producer: AIOKafkaProducer,
    topic: str,
    timed: Sequence[Timed],
    *,
    speed: float = 0.0,
    on_sent: Callable[[Timed], None] | None = None,
    sleep: Callable[[float], object] = asyncio.sleep,
    progress: FeedProgress | None = None,
) -> int:
    """Send every event keyed by tie_id, pacing by the feed clock at ``speed`` (match
    minutes per real minute; 0 = as fast as possible); waits for every acknowledgement.
    ``progress`` (of these same ``timed``) records what was sent and acknowledged."""
    pending = []
    previous: float | None = None
    for item in timed:
        if speed > 0 and previous is not None and item.minute > previous:
            for future in pending:
                await asyncio.shield(future)  # a cancelled wait must not cancel the delivery
            pending.clear()
            await sleep((item.minute - previous) * 60.0 / speed)  # type: ignore[misc]
        previous = item.minute
        event = item.event.event
        future = await producer.send(topic, key=event.tie_id.encode(), value=encode_event(event))
        if progress is not None:
            progress.deliveries.append(future)
        pending.append(future)
        if on_sent is not None:
            on_sent(item)
    for future in pending:
        await asyncio.shield(future)
    return len(timed)
