"""Live state of a match and of a tie: frozen models whose JSON is the public contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tracker.events import (
    BodyPart,
    CardType,
    GoalKind,
    KickOutcome,
    MatchEvent,
    Period,
    VarOutcome,
    VarSubject,
    clock_text,
)
from tracker.rules import TieRules


class Status(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    FINISHED = "finished"


class Reason(StrEnum):
    """Why ``advancing`` is who it is, as if the tie ended now."""

    AGGREGATE = "aggregate"
    AWAY_GOALS = "away_goals"
    EXTRA_TIME = "extra_time"  # level: extra time to come
    PENALTIES = "penalties"  # level: a shootout to come, or the shootout decides
    LEVEL = "level"  # level and nothing (yet) to break it


# Reading a field of a pydantic model (``leg.status``) costs twice a plain object's on
# Python 3.11 (measured 45 ns, against 20; a local, 6): ``BaseModel`` defines ``__getattr__``,
# so every read goes through the slot that tries ``__getattribute__`` first, and the
# interpreter cannot specialize it. So the fold's hot path reads a field it needs more than
# once into a local (79 reads an event down to 63: 8% fewer instructions a fold step).

# The setters of the slots every pydantic model has, called straight: the fold freezes a
# match (`trusted`) and copies a tie (``copy_with``) about once an event each, and
# ``object.__setattr__(new, name, value)`` goes through a lookup by name each time
# (measured: 2.5 µs a copy this way, 4.6 µs by name).
_SLOTS = BaseModel.__dict__
_set_dict = _SLOTS["__dict__"].__set__
_set_fields_set = _SLOTS["__pydantic_fields_set__"].__set__
_set_extra = _SLOTS["__pydantic_extra__"].__set__
_set_private = _SLOTS["__pydantic_private__"].__set__


_Model = TypeVar("_Model", bound=BaseModel)

#: The set of every field name of a model class, one per class and shared by every instance
#: `trusted` builds: a frozen model never adds to its fields set, and pydantic copies it before
#: changing one (``model_copy``). Building one a model was 0.7 µs, and 0.7 kB of a finished
#: tie's memory for each of its team stats.
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def trusted(cls: type[_Model], values: dict[str, Any]) -> _Model:
    """A ``cls`` of ``values``, not validated: for values the fold or the worker built from
    validated ones (a moment, a record of a folded state). ``values`` names every field of
    ``cls``, in its order (the instance's dict is ``values`` itself). Like ``model_construct``
    less its defaults and aliases: 0.9 µs a moment, against 2.9 validated (least of repeats)."""
    new = object.__new__(cls)
    _set_dict(new, values)
    fields_set = _ALL_FIELDS.get(cls)
    if fields_set is None:
        fields_set = _ALL_FIELDS[cls] = set(cls.model_fields)
    _set_fields_set(new, fields_set)
    _set_extra(new, None)
    _set_private(new, None)
    return new


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def copy_with(self, changes: dict[str, Any]) -> Self:
        """A copy with ``changes``, like ``model_copy(update=...)`` at a fraction of the cost:
        the fold builds only valid values, so nothing is re-validated."""
        new = object.__new__(type(self))
        _set_dict(new, {**self.__dict__, **changes})
        # A new set of fields set only when one is set for the first time, else shared: a
        # frozen model never adds to it, pydantic copies it before changing it (model_copy),
        # and building it each copy was 0.7 µs of ~2.5.
        fields_set = self.__pydantic_fields_set__
        if not fields_set.issuperset(changes):
            fields_set = fields_set | changes.keys()
        _set_fields_set(new, fields_set)
        _set_extra(new, None)
        _set_private(new, None)
        return new


class TeamStats(_Frozen):
    goals: int = 0
    own_goals: int = 0
    saves: int = 0
    offsides: int = 0
    penalties_awarded: int = 0
    penalties_scored: int = 0
    penalties_missed: int = 0
    disallowed_goals: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    substitutions: int = 0


class Goal(_Frozen):
    """A goal that stands. ``team`` is the team it counts for (the opponent, for an own goal)."""

    @field_validator("kind", mode="before")
    @classmethod
    def _header_is_open_play(cls, kind: object) -> object:
        return "open_play" if kind == "header" else kind  # states published before schema v2

    event_id: str
    team: str
    scorer: str | None
    assist: str | None
    period: Period
    minute: int | None
    added_minute: int | None
    kind: GoalKind
    body_part: BodyPart | None
    is_deflected: bool


class Dismissal(_Frozen):
    event_id: str
    team: str
    player: str | None
    card: CardType
    minute: int | None
    added_minute: int | None


class ShootoutKick(_Frozen):
    event_id: str
    team: str
    taker: str | None
    outcome: KickOutcome


class Shootout(_Frozen):
    """Kicks from the penalty mark: five each, then sudden death; may end early."""

    kicks: tuple[ShootoutKick, ...] = ()
    score: dict[str, int]
    winner: str | None = None


class VarReview(_Frozen):
    event_id: str
    about: VarSubject
    team: str | None
    subject_event_id: str | None
    outcome: VarOutcome | None = None


class SeqGap(_Frozen):
    """Sequence numbers ``after``+1 .. ``before``-1 of a match were never received."""

    after: int
    before: int


class Refusal(_Frozen):
    """An event the match had taken (or held) that a late event showed to break a rule.

    Folding in ``seq`` order is the truth: when an event fills a gap, every event after it
    is judged again, and one that no longer fits is dropped from the match and named here.
    """

    event_id: str
    seq: int
    error: str
    field: str
    detail: str


class Leg(Protocol):
    """What the fold's questions read of a leg (:class:`MatchReads`, the tie's standing):
    a :class:`MatchState`, or the fold's working copy of one (`tracker.working`)."""

    @property
    def leg(self) -> int: ...
    @property
    def home(self) -> str: ...
    @property
    def away(self) -> str: ...
    @property
    def teams(self) -> tuple[str, str]: ...
    @property
    def status(self) -> Status: ...
    @property
    def period(self) -> Period | None: ...
    @property
    def score(self) -> Mapping[str, int]: ...
    @property
    def goals(self) -> Sequence[Goal]: ...
    @property
    def shootout(self) -> Shootout | None: ...
    @property
    def last_seq(self) -> int: ...
    @property
    def timeline(self) -> Sequence[MatchEvent]: ...
    @property
    def held(self) -> Sequence[MatchEvent]: ...
    @property
    def event_ids(self) -> AbstractSet[str]: ...


class MatchReads:
    """Questions asked of a match, the same of a frozen :class:`MatchState` and of the
    fold's working copy of one (`tracker.working`)."""

    __slots__ = ()

    @property
    def teams(self: Leg) -> tuple[str, str]:
        return (self.home, self.away)

    def opponent(self: Leg, team: str) -> str:
        return self.away if team == self.home else self.home

    def event_at_seq(self: Leg, seq: int) -> MatchEvent | None:
        """The event received (applied or held) at ``seq``, if any."""
        if seq > self.last_seq:
            return None
        found = next((e for e in reversed(self.timeline) if e.seq == seq), None)
        return found or next((e for e in self.held if e.seq == seq), None)

    def has_event(self: Leg, event_id: str) -> bool:
        """True when an event with this id was received (applied or held)."""
        return event_id in self.event_ids

    def event_by_id(self: Leg, event_id: str) -> MatchEvent | None:
        """The event with this id among those applied."""
        return next((e for e in self.timeline if e.event_id == event_id), None)

    def received(self: Leg, event_id: str) -> MatchEvent | None:
        """The event with this id among those applied or held."""
        found = next((e for e in self.timeline if e.event_id == event_id), None)
        return found or next((e for e in self.held if e.event_id == event_id), None)


class MatchState(_Frozen, MatchReads):
    """One match (one leg): score, clock, stats and the timeline of accepted events."""

    match_id: str
    tie_id: str
    leg: int
    home: str
    away: str
    competition: str | None = None
    venue: str | None = None
    kickoff: datetime | None = None
    status: Status = Status.SCHEDULED
    period: Period | None = None
    is_period_running: bool = False
    minute: int | None = None
    added_minute: int | None = None
    score: dict[str, int]
    stats: dict[str, TeamStats]
    goals: tuple[Goal, ...] = ()
    keeper_saves: dict[str, int] = {}
    sent_off: tuple[Dismissal, ...] = ()
    shootout: Shootout | None = None
    var_reviews: tuple[VarReview, ...] = ()
    last_seq: int
    seq_gaps: tuple[SeqGap, ...] = ()
    #: False while a gap in ``seq`` is open: the score may lack events not received yet.
    complete: bool = True
    cancelled: tuple[str, ...] = ()
    timeline: tuple[MatchEvent, ...] = ()
    #: Events received after a gap that could not be applied yet; tried again when it fills.
    held: tuple[MatchEvent, ...] = ()
    refused: tuple[Refusal, ...] = ()
    # Derived from timeline and held, kept for O(1) duplicate checks; not part of the JSON.
    event_ids: frozenset[str] = Field(default=frozenset(), exclude=True, repr=False)

    @model_validator(mode="after")
    def _index_event_ids(self) -> Self:
        if len(self.event_ids) != len(self.timeline) + len(self.held):
            self.__dict__["event_ids"] = frozenset(
                event.event_id for event in (*self.timeline, *self.held)
            )
        return self

    @property
    def clock(self) -> str:
        return clock_text(self.minute, self.added_minute)

    def to_json(self) -> str:
        """The public view (`match-updates`): the raw events (applied, held) left out."""
        return self.model_dump_json(exclude=_MATCH_PRIVATE)


class TieState(_Frozen):
    """A tie (one or two legs) as if it ended now: the public JSON contract of `tie-scores`."""

    tie_id: str
    teams: tuple[str, ...] = ()
    rules: TieRules | None = None
    status: Status = Status.SCHEDULED
    aggregate: dict[str, int] = {}
    away_goals: dict[str, int] | None = None
    advancing: str | None = None
    reason: Reason | None = None
    goals_needed: dict[str, int] = {}
    winner: str | None = None
    #: False while any leg has a gap in ``seq``: not a clean result yet.
    complete: bool = True
    legs: tuple[MatchState, ...] = ()
    version: int = 0

    def leg_for_match(self, match_id: str) -> MatchState | None:
        for leg in self.legs:  # a loop, not next(genexpr): twice as fast for one or two legs
            if leg.match_id == match_id:
                return leg
        return None

    def to_json(self) -> str:
        """The public contract (`tie-scores`, `replay --json`): everything but the legs'
        timelines of raw events, which the `match-events` log already holds."""
        return self.model_dump_json(exclude=_PUBLIC_EXCLUDE)

    def to_snapshot(self) -> str:
        """Lossless JSON, timelines included: folding on from it equals folding everything."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> TieState:
        """A state from either JSON; only a snapshot carries the timelines to fold on from."""
        return cls.model_validate_json(data)


_MATCH_PRIVATE = {"timeline", "held", "refused"}
_PUBLIC_EXCLUDE: Any = {"legs": {"__all__": _MATCH_PRIVATE}}
