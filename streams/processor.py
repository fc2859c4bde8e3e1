"""What the worker does with each message: decode, fold, store, publish; heal when behind.

The agent in `streams.agents` feeds messages here; everything that can go wrong with input
ends in `dead-letters` with its reason and original bytes, and never stops the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field

from streams import codecs
from streams.codecs import TieRecord
from streams.eventlog import read_range
from tracker import MatchEvent, RuleViolation, TieState, evolve, new_tie
from tracker.errors import InvalidEvent, TrackerError
from tracker.events import MatchScheduled
from tracker.moments import moments

log = logging.getLogger(__name__)

Send = Callable[[str, bytes | None, bytes], Awaitable[None]]


@dataclass(frozen=True)
class Incoming:
    """One message of `match-events`, as the agent received it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class Outputs:
    """Where updates go: topic names of this worker's namespace."""

    tie_scores: str
    match_updates: str
    moments: str
    dead_letters: str


@dataclass
class TieProcessor:
    """Folds `match-events` messages into the tie table and publishes the results."""

    table: MutableMapping[str, TieRecord | None]
    send: Send
    outputs: Outputs
    bootstrap: str
    healing: bool = True
    caught_up: set[int] = field(default_factory=set)

    def forget_partitions(self) -> None:
        """After a rebalance every partition is checked against the log again."""
        self.caught_up.clear()

    async def handle(self, message: Incoming) -> None:
        try:
            event = codecs.decode_event(message.value)
        except InvalidEvent as error:
            await self._dead(message, "invalid_event", error, error.field)
            return
        if message.key is not None and message.key.decode("utf-8", "replace") != event.tie_id:
            await self._dead(
                message,
                "wrong_key",
                ValueError(f"message key {message.key!r} is not the event's tie_id"),
                "tie_id",
            )
            return
        if self.healing and message.partition not in self.caught_up:
            await self._catch_up(message)
        record = self.table.get(event.tie_id)
        if record is not None and message.offset <= record.offset:
            # Redelivered after a restart: already folded, but maybe never published.
            await self._publish_state(record.state)
            return
        state = record.state if record is not None else new_tie(event.tie_id)
        if self.healing and _is_behind(state, event):
            start = record.offset + 1 if record is not None else 0
            state = await self._heal(event.tie_id, message, start) or state
        try:
            after = evolve(state, event)
        except RuleViolation as error:
            await self._dead(message, "rule_violation", error, error.field)
            return
        except Exception as error:  # a bug of ours must not stop the worker or lose the input
            log.exception(
                "fold failed on %s[%d]@%d", message.topic, message.partition, message.offset
            )
            await self._dead(message, "internal_error", error, None)
            return
        if after is state:
            return  # a duplicate: nothing changed, nothing to say
        self.table[event.tie_id] = TieRecord(
            state=after, partition=message.partition, offset=message.offset
        )
        await self._publish(state, after, event)

    async def _publish_state(self, state: TieState) -> None:
        await self.send(self.outputs.tie_scores, state.tie_id.encode(), codecs.encode_tie(state))

    async def _publish(self, before: TieState, after: TieState, event: MatchEvent) -> None:
        await self._publish_state(after)
        match = after.leg_for_match(event.match_id)
        if match is not None:
            await self.send(
                self.outputs.match_updates,
                match.match_id.encode(),
                match.to_json().encode(),
            )
        for moment in moments(before, after, event):
            await self.send(
                self.outputs.moments, after.tie_id.encode(), codecs.encode_moment(moment)
            )

    async def _dead(
        self, message: Incoming, reason: str, error: Exception, field_name: str | None
    ) -> None:
        log.warning(
            "dead letter %s[%d]@%d: %s", message.topic, message.partition, message.offset, error
        )
        await self.send(
            self.outputs.dead_letters,
            message.key,
            codecs.dead_letter(
                message.value,
                reason=reason,
                error=str(error),
                field=field_name,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
            ),
        )

    async def _refold_range(
        self, message: Incoming, start: int, only_tie: str | None = None
    ) -> int:
        """Fold every event of ``[start, message.offset)`` on the message's partition into
        its tie (idempotently); returns how many events changed a tie."""
        changed = 0
        async for record in read_range(
            self.bootstrap, message.topic, message.partition, start, message.offset
        ):
            try:
                event = codecs.decode_event(record.value)
            except InvalidEvent:
                continue  # dead-lettered when it was first processed
            if only_tie is not None and event.tie_id != only_tie:
                continue
            current = self.table.get(event.tie_id)
            if current is not None and record.offset <= current.offset:
                continue
            state = current.state if current is not None else new_tie(event.tie_id)
            try:
                after = evolve(state, event)
            except TrackerError:
                continue  # dead-lettered when it was first processed
            if after is not state:
                self.table[event.tie_id] = TieRecord(
                    state=after, partition=record.partition, offset=record.offset
                )
                await self._publish(state, after, event)
                changed += 1
        return changed

    async def _catch_up(self, message: Incoming) -> None:
        """The first message of a partition after (re)assignment: fold whatever the restored
        table is missing between its newest position and this message."""
        newest = max(
            (
                record.offset
                for record in self.table.values()
                if record is not None and record.partition == message.partition
            ),
            default=-1,
        )
        changed = await self._refold_range(message, newest + 1)
        self.caught_up.add(message.partition)
        if changed:
            log.warning(
                "partition %d: table was behind the log; re-folded %d events from offset %d",
                message.partition,
                changed,
                newest + 1,
            )

    async def _heal(self, tie_id: str, message: Incoming, start: int) -> TieState | None:
        """A seq gap or an unknown match: re-read this tie's events the table may lack."""
        changed = await self._refold_range(message, start, only_tie=tie_id)
        if changed:
            log.warning("tie %s was behind the log; re-folded %d events", tie_id, changed)
        record = self.table.get(tie_id)
        return record.state if record is not None else None


def _is_behind(state: TieState, event: MatchEvent) -> bool:
    """True when ``event`` shows the state has missed something: a seq gap in its match, or
    a match never scheduled."""
    leg = state.leg_for_match(event.match_id)
    if leg is None:
        return not isinstance(event, MatchScheduled)
    return event.seq > leg.last_seq + 1
