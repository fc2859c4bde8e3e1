"""The feed of match events into `match-events`: in the order matches are played, keyed by
tie_id, paced by the match clock, every acknowledgement counted."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.clients.matchfiles import SourcedEvent
from streams.codecs import encode_event
from tracker.events import MatchScheduled


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
    producer: Any,
    topic: str,
    timed: Sequence[Timed],
    *,
    speed: float = 0.0,
    on_sent: Callable[[Timed], None] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    progress: FeedProgress | None = None,
) -> int:
    """Send every event keyed by tie_id, pacing by the feed clock at ``speed`` (match
    minutes per real minute; 0 = as fast as possible); waits for every acknowledgement.
    ``progress`` (of these same ``timed``) records what was sent and acknowledged."""
    pending: list[asyncio.Future[Any]] = []
    previous: float | None = None
    for item in timed:
        if speed > 0 and previous is not None and item.minute > previous:
            for future in pending:
                await asyncio.shield(future)  # a cancelled wait must not cancel the delivery
            pending.clear()
            await sleep((item.minute - previous) * 60.0 / speed)
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
