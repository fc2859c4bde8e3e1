"""The fields a fold step may change, by name, so that mypy checks every copy of the state."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypedDict, cast, overload

from tracker.events import MatchEvent, Period
from tracker.rules import TieRules
from tracker.state import (
    Dismissal,
    Goal,
    MatchState,
    Reason,
    Refusal,
    SeqGap,
    Shootout,
    Status,
    TeamStats,
    TieState,
    VarReview,
)


class MatchChanges(TypedDict, total=False):
    """Fields of :class:`MatchState` with new values (a match's identity never changes)."""

    competition: str | None
    venue: str | None
    kickoff: datetime | None
    status: Status
    period: Period | None
    is_period_running: bool
    minute: int | None
    added_minute: int | None
    score: dict[str, int]
    stats: dict[str, TeamStats]
    goals: tuple[Goal, ...]
    keeper_saves: dict[str, int]
    sent_off: tuple[Dismissal, ...]
    shootout: Shootout | None
    var_reviews: tuple[VarReview, ...]
    last_seq: int
    seq_gaps: tuple[SeqGap, ...]
    complete: bool
    cancelled: tuple[str, ...]
    timeline: tuple[MatchEvent, ...]
    held: tuple[MatchEvent, ...]
    refused: tuple[Refusal, ...]
    event_ids: frozenset[str]


class TieChanges(TypedDict, total=False):
    """Fields of :class:`TieState` with new values (its id never changes)."""

    teams: tuple[str, ...]
    rules: TieRules | None
    status: Status
    aggregate: dict[str, int]
    away_goals: dict[str, int] | None
    advancing: str | None
    reason: Reason | None
    goals_needed: dict[str, int]
    winner: str | None
    complete: bool
    legs: tuple[MatchState, ...]
    version: int


class StatsChanges(TypedDict, total=False):
    """Counters of :class:`TeamStats` with new values."""

    goals: int
    own_goals: int
    saves: int
    offsides: int
    penalties_awarded: int
    penalties_scored: int
    penalties_missed: int
    disallowed_goals: int
    yellow_cards: int
    red_cards: int
    substitutions: int


class _Changed(Protocol):
    """A copy of ``state`` with ``changes``, each field name and value checked by mypy."""

    @overload
    def __call__(self, state: MatchState, changes: MatchChanges, /) -> MatchState: ...
    @overload
    def __call__(self, state: TieState, changes: TieChanges, /) -> TieState: ...
    @overload
    def __call__(self, state: TeamStats, changes: StatsChanges, /) -> TeamStats: ...


#: A copy of ``state`` with ``changes``, not validated again (the fold builds only valid
#: values). It is ``copy_with`` itself, typed by field: no wrapper on the fold's hot path.
changed = cast(_Changed, MatchState.copy_with)
