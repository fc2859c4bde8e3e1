"""The fields of a tie the fold may change, by name, so that mypy checks every copy of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict, cast

from tracker.rules import TieRules
from tracker.state import MatchState, Reason, Status, TieState


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


#: A copy of ``tie`` with ``changes``, not validated again (the fold builds only valid values).
#: It is ``copy_with`` itself, typed by field: no wrapper on the fold's hot path. (A match is
#: changed in place, as a working copy: `tracker.working`.)
changed = cast(Callable[[TieState, TieChanges], TieState], TieState.copy_with)
