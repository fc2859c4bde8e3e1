"""The tracker's errors: one root, and one class per broken rule, each naming its ids."""

from __future__ import annotations

from typing import Protocol, Self


class TrackerError(Exception):
    """Root of every error the domain raises."""


class InvalidEvent(TrackerError):
    """An event that does not match the schema (bad JSON, unknown type, wrong field)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"invalid event: field {field!r}: {reason}")


class _FromMatch(Protocol):
    """What an error needs of the event at fault: every match event has both ids."""

    @property
    def event_id(self) -> str: ...

    @property
    def match_id(self) -> str: ...


class RuleViolation(TrackerError):
    """An event that is well formed but breaks a football or ordering rule.

    The state it was folded into stays untouched; ``field`` names the event field at fault.
    ``depends_on_earlier_events`` says whether an event missing before this one (a seq gap)
    could change the verdict: such an event is held until the gap fills, not refused.
    """

    depends_on_earlier_events = True

    def __init__(self, *, event_id: str, match_id: str, field: str, detail: str) -> None:
        self.event_id = event_id
        self.match_id = match_id
        self.field = field
        self.detail = detail
        super().__init__(
            f"{type(self).__name__}: event {event_id!r} of match {match_id!r}, "
            f"field {field!r}: {detail}"
        )

    @classmethod
    def for_event(cls, event: _FromMatch, field: str, detail: str) -> Self:
        """The error ``event`` makes: its ids, the ``field`` at fault and why.
        (:class:`OutOfOrderEvent` is built from its seqs instead.)"""
        return cls(event_id=event.event_id, match_id=event.match_id, field=field, detail=detail)


class OutOfOrderEvent(RuleViolation):
    """A new event whose ``seq`` is not after the last one applied to its match."""

    def __init__(self, *, event_id: str, match_id: str, expected: int, got: int) -> None:
        self.expected = expected
        self.got = got
        super().__init__(
            event_id=event_id,
            match_id=match_id,
            field="seq",
            detail=f"expected seq >= {expected}, got {got}",
        )


class ConflictingDuplicate(RuleViolation):
    """An ``event_id`` already received with other content (whichever copy came first)."""

    depends_on_earlier_events = False


class LegOutOfOrder(RuleViolation):
    """An event of a leg while the leg before it has not finished."""

    depends_on_earlier_events = False


class WrongTie(RuleViolation):
    """An event folded into the state of another tie."""

    depends_on_earlier_events = False


class UnknownMatch(RuleViolation):
    """An event for a match that has not been scheduled in this tie."""

    depends_on_earlier_events = False


class UnknownTeam(RuleViolation):
    """A team name that is neither the home nor the away team of the match."""

    depends_on_earlier_events = False


class ScheduleConflict(RuleViolation):
    """A scheduling event that contradicts the tie (other teams, rules or leg)."""

    depends_on_earlier_events = False


class PeriodNotRunning(RuleViolation):
    """A play event (goal, save, offside...) while no period is being played."""


class InvalidPeriodTransition(RuleViolation):
    """A period started or ended out of the football order, or not allowed by the rules."""


class MatchAlreadyEnded(RuleViolation):
    """A play event after the final whistle."""


class ShootoutViolation(RuleViolation):
    """A shootout kick out of turn, or after the shootout was decided."""


class UnknownEventReference(RuleViolation):
    """A retraction or decision that names an event the match never accepted."""
