"""Offline replay: match files folded with the worker's own fold, cut at a minute."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from streams.matchfiles import LineError, SourcedEvent, read_events
from streams.render import summary
from tracker import RuleViolation, TieState, evolve, new_tie
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
