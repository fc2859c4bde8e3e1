"""A match the fold changes in place, and the frozen :class:`MatchState` it hands out.

The rules (`tracker.effects`) check an event and then change a :class:`WorkingMatch` in
place: a count is one integer added to, not a copy of the team's stats, the match and the
tie. Every state handed out stays immutable: the fold thaws a frozen match into a working
copy (:meth:`WorkingMatch.of`), and freezes it again when a state is asked for
(:meth:`WorkingMatch.frozen`). Between the two, nothing else holds the working copy.

What is whose: a team's counters are thawed into :class:`Counts` the first time an event
counts for that team (:meth:`WorkingMatch.count`), and belong to the working copy. So do the
timeline and the received ids, as a list and a set, when the working copy will take many
events (a replay); when it takes one (`tracker.fold.evolve`), they stay the frozen tuple and
set, and taking the event copies them, as a new immutable state must anyway. Every other
field holds immutable values (tuples, frozen models, dicts nobody changes) that a change
replaces, so a working copy and its frozen states share them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict, cast

from tracker.events import MatchEvent, MatchScheduled, Period
from tracker.state import (
    Dismissal,
    Goal,
    MatchReads,
    MatchState,
    Refusal,
    SeqGap,
    Shootout,
    Status,
    TeamStats,
    VarReview,
    trusted,
)


class Counts(TypedDict):
    """A team's counters of :class:`TeamStats`, changed in place (``counts["saves"] += 1``)."""

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


#: The name of a counter of :class:`Counts`.
Counter = Literal[
    "goals",
    "own_goals",
    "saves",
    "offsides",
    "penalties_awarded",
    "penalties_scored",
    "penalties_missed",
    "disallowed_goals",
    "yellow_cards",
    "red_cards",
    "substitutions",
]
_NO_STATS = TeamStats()


class WorkingMatch(MatchReads):
    """The fields of :class:`MatchState`, changed in place by the fold (see the module).

    Its instance dict holds the fields in :class:`MatchState`'s order, so that thawing and
    freezing copy one dict (a slotted class set field by field took 6.4 µs a thaw)."""

    match_id: str
    tie_id: str
    leg: int
    home: str
    away: str
    competition: str | None
    venue: str | None
    kickoff: datetime | None
    status: Status
    period: Period | None
    is_period_running: bool
    minute: int | None
    added_minute: int | None
    score: dict[str, int]
    stats: dict[str, TeamStats | Counts]
    goals: tuple[Goal, ...]
    keeper_saves: dict[str, int]
    sent_off: tuple[Dismissal, ...]
    shootout: Shootout | None
    var_reviews: tuple[VarReview, ...]
    last_seq: int
    seq_gaps: tuple[SeqGap, ...]
    complete: bool
    cancelled: tuple[str, ...]
    timeline: list[MatchEvent] | tuple[MatchEvent, ...]
    held: tuple[MatchEvent, ...]
    refused: tuple[Refusal, ...]
    event_ids: set[str] | frozenset[str]

    @classmethod
    def of(cls, match: MatchState, *, for_one_event: bool = False) -> WorkingMatch:
        """A working copy of ``match``, to take many events, or (``for_one_event``) one."""
        values = dict(match.__dict__)
        values["stats"] = dict(match.stats)
        if not for_one_event:
            values["timeline"] = list(match.timeline)
            values["event_ids"] = set(match.event_ids)
        return _working(values)

    @classmethod
    def scheduled(cls, event: MatchScheduled) -> WorkingMatch:
        """The match as ``event`` schedules it, nothing played."""
        teams = (event.home, event.away)
        values = {
            "match_id": event.match_id,
            "tie_id": event.tie_id,
            "leg": event.leg,
            "home": event.home,
            "away": event.away,
            "competition": event.competition,
            "venue": event.venue,
            "kickoff": event.kickoff,
            "status": Status.SCHEDULED,
            "period": None,
            "is_period_running": False,
            "minute": None,
            "added_minute": None,
            "score": dict.fromkeys(teams, 0),
            "stats": dict.fromkeys(teams, _NO_STATS),
            "goals": (),
            "keeper_saves": {},
            "sent_off": (),
            "shootout": None,
            "var_reviews": (),
            "last_seq": event.seq,
            "seq_gaps": (),
            "complete": True,
            "cancelled": (),
            "timeline": [event],
            "held": (),
            "refused": (),
            "event_ids": {event.event_id},
        }
        return _working(values)

    def count(self, team: str, counter: Counter) -> None:
        """One more of ``counter`` for ``team``."""
        counts = self.stats[team]
        if type(counts) is not dict:  # frozen stats: thawed the first time they change
            counts = self.stats[team] = cast(Counts, dict(counts.__dict__))
        counts[counter] += 1

    def take(self, event: MatchEvent) -> None:
        """``event`` applied: on the timeline, and received."""
        timeline, event_ids = self.timeline, self.event_ids
        if isinstance(timeline, list) and isinstance(event_ids, set):  # a working copy's own
            timeline.append(event)
            event_ids.add(event.event_id)
        else:
            self.timeline = (*timeline, event)
            self.event_ids = event_ids | {event.event_id}

    def hold(self, event: MatchEvent) -> None:
        """``event`` held, to be tried again once the gap before it fills; received."""
        self.held = (*self.held, event)
        event_ids = self.event_ids
        if isinstance(event_ids, set):
            event_ids.add(event.event_id)
        else:
            self.event_ids = event_ids | {event.event_id}

    def copy(self) -> WorkingMatch:
        """A copy to try an event on: its own counters, the same timeline and ids (which
        the fold adds to only once the event is taken)."""
        values = dict(self.__dict__)
        values["stats"] = {
            team: counts.copy() if type(counts) is dict else counts
            for team, counts in self.stats.items()
        }
        return _working(values)

    def frozen(self, *, is_last_use: bool = False) -> MatchState:
        """The match now, immutable: nothing done to this working copy later changes it.
        ``is_last_use``: this working copy is never used again, so the state takes over its
        dict instead of a copy (`tracker.fold.evolve`)."""
        values = self.__dict__ if is_last_use else dict(self.__dict__)
        values["stats"] = {
            team: trusted(TeamStats, dict(counts)) if type(counts) is dict else counts
            for team, counts in self.stats.items()
        }
        values["timeline"] = tuple(self.timeline)  # the same tuple, if it is one
        values["event_ids"] = frozenset(self.event_ids)  # likewise
        return trusted(MatchState, values)


def _working(values: dict[str, Any]) -> WorkingMatch:
    new = object.__new__(WorkingMatch)
    new.__dict__ = values
    return new
