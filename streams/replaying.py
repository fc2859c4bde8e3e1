"""Replays: a tie re-folded with the worker's own fold, from match files or from the log,
as at any minute."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from streams.codecs import decode_event
from streams.eventlog import read_key
from streams.matchfiles import LineError, SourcedEvent, read_events
from streams.render import summary
from tracker import InvalidEvent, RuleViolation, TieState, evolve, new_tie
from tracker.timeline import Cut, events_until


@dataclass
class ReplayResult:
    ties: list[TieState] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    def describe(self, tie: TieState) -> str:
        return summary(tie)


def fold_sourced(events: Iterable[SourcedEvent], errors: list[LineError]) -> dict[str, TieState]:
    """Fold events per tie; an event that breaks a rule is reported with its line and skipped."""
    ties: dict[str, TieState] = {}
    for sourced in events:
        event = sourced.event
        tie = ties.get(event.tie_id) or new_tie(event.tie_id)
        try:
            ties[event.tie_id] = evolve(tie, event)
        except RuleViolation as error:
            errors.append(LineError(sourced.file, sourced.line, error.field, str(error)))
    return ties


def replay_files(paths: Iterable[str], cut: Cut | None = None) -> ReplayResult:
    """The ties in ``paths`` as at ``cut`` (or at the end), and every problem found."""
    sourced, errors = read_events(paths)
    if cut is not None:
        kept = {id(e) for e in events_until((s.event for s in sourced), cut)}
        sourced = [s for s in sourced if id(s.event) in kept]
    ties = fold_sourced(sourced, errors)
    return ReplayResult(ties=list(ties.values()), errors=errors)


async def replay_log(
    bootstrap: str, topic: str, tie_id: str, cut: Cut | None = None
) -> ReplayResult:
    """The tie as re-folded from its events in the `match-events` log, as at ``cut``; bad
    messages (already in `dead-letters`) are reported with their partition and offset."""
    sourced, errors = await tie_events_from_log(bootstrap, topic, tie_id)
    if cut is not None:
        kept = {id(e) for e in events_until((s.event for s in sourced), cut)}
        sourced = [s for s in sourced if id(s.event) in kept]
    ties = fold_sourced(sourced, errors)
    return ReplayResult(ties=[ties[tie_id]] if tie_id in ties else [], errors=errors)


async def tie_events_from_log(
    bootstrap: str, topic: str, tie_id: str
) -> tuple[list[SourcedEvent], list[LineError]]:
    """Every event of ``tie_id`` in ``topic``, in log order, and every undecodable record."""
    sourced: list[SourcedEvent] = []
    errors: list[LineError] = []
    for record in await read_key(bootstrap, topic, tie_id.encode()):
        where = f"{topic}[{record.partition}]"
        try:
            sourced.append(SourcedEvent(where, record.offset, decode_event(record.value), b""))
        except InvalidEvent as error:
            errors.append(LineError(where, record.offset, error.field, error.reason))
    return sourced, errors
