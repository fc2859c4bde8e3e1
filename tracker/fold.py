"""The fold: `evolve(tie, event) -> tie`, pure, idempotent, one case per event type."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.changes import MatchChanges, changed
from tracker.effects import effect
from tracker.errors import (
    ConflictingDuplicate,
    InvalidPeriodTransition,
    LegOutOfOrder,
    OutOfOrderEvent,
    RuleViolation,
    ScheduleConflict,
    UnknownEventReference,
    UnknownMatch,
    WrongTie,
)
from tracker.events import (
    EventRetracted,
    GoalDisallowed,
    GoalScored,
    MatchEvent,
    MatchScheduled,
    PeriodStarted,
    cancelled_event_id,
)
from tracker.rules import TieRules
from tracker.standing import standing, unearned_tie_break
from tracker.state import (
    MatchState,
    Refusal,
    SeqGap,
    Status,
    TeamStats,
    TieState,
    change_in_place,
)

# Bound once: a member read off its class goes through the enum class's ``__getattr__`` on
# Python 3.11 (see `tracker.events`), and the leg-order check reads it for every event of a
# second leg.
_FINISHED = Status.FINISHED


def new_tie(tie_id: str) -> TieState:
    """A tie nobody has scheduled yet."""
    return TieState(tie_id=tie_id)


def fold(events: Iterable[MatchEvent], state: TieState) -> TieState:
    """Every event folded into ``state`` in order: ``reduce(evolve, events, state)``, at
    about three quarters of the cost (see :class:`Folding`)."""
    folding = Folding(state)
    for event in events:
        folding.add(event)
    return folding.state


def evolve(tie: TieState, event: MatchEvent) -> TieState:
    """The tie after ``event``. A duplicate returns ``tie`` itself; a rule broken raises."""
    if event.tie_id != tie.tie_id:
        detail = f"event of tie {event.tie_id!r} folded into tie {tie.tie_id!r}"
        raise WrongTie.for_event(event, "tie_id", detail)
    leg = tie.leg_for_match(event.match_id)
    if leg is None:
        if type(event) is not MatchScheduled:  # type, not isinstance: see tracker.events
            detail = f"match not scheduled in tie {tie.tie_id!r}"
            raise UnknownMatch.for_event(event, "match_id", detail)
        _check_id_is_new(tie, event)
        return _with_leg(tie, None, _first_schedule(tie, event), event)
    rules = tie.rules
    assert rules is not None  # a tie with a leg has rules
    if _is_duplicate(tie, leg, event):
        return tie
    _check_leg_order(tie, leg, event, rules)
    return _with_leg(tie, leg, _accept(leg, event, rules), event)


# -- many events of one tie: working copies changed in place ----------------------------

#: The fields of a leg that the tie's standing reads (see `_reads_the_same`).
_STANDING_FIELDS = frozenset(("score", "goals", "status", "period", "shootout"))


class Folding:
    """A tie folded on from ``tie`` one event at a time, exactly as :func:`evolve` folds it,
    but on working copies of the tie and its legs that nothing else holds.

    ``evolve`` hands out a new immutable tie at every event, so it copies the tie and the
    leg each time, and the leg's timeline and set of event ids, which grow with the match.
    Here the usual event (the next ``seq`` of a match, no gap, no correction) is checked by
    the same rules and, when it leaves the tie's standing as it was (a save, a substitution,
    a yellow card: most events), changes the working copies in place; the timeline is a
    list appended to. Anything else (a new leg, a duplicate, a late or cancelling event, a
    gap) goes through ``evolve`` itself. :attr:`state` is the tie now, immutable like every
    state, built when asked for.

    ``add`` raises as ``evolve`` does, and an event it refuses changes nothing: the folding
    goes on as if it never came. A property test holds the two together event by event.
    For folding many events on (a replay, a restore, `fold`); a caller that needs the tie
    after every event (the worker's live path) is served as well by ``evolve``."""

    __slots__ = ("_state", "_tie")

    def __init__(self, tie: TieState) -> None:
        self._state: TieState | None = tie
        self._tie = _working(tie)

    @property
    def state(self) -> TieState:
        """The tie after every event added: immutable, and built once per run of adds."""
        state = self._state
        if state is None:
            tie = self._tie
            state = self._state = changed(tie, {"legs": tuple(map(_frozen_leg, tie.legs))})
        return state

    def add(self, event: MatchEvent) -> bool:
        """Folds ``event`` in: True when it changed the tie, False for a duplicate."""
        tie = self._tie
        leg = tie.leg_for_match(event.match_id)
        if (
            leg is None
            or event.seq != leg.last_seq + 1
            or leg.seq_gaps
            or event.tie_id != tie.tie_id
            or cancelled_event_id(event) is not None
            or any(event.event_id in other.event_ids for other in tie.legs)
        ):
            after = evolve(tie, event)  # raises as it should, or gives the tie after it
            if after is tie:
                return False
            self._tie, self._state = _working(after), None
            return True
        rules = tie.rules
        assert rules is not None  # a tie with a leg has rules
        _check_leg_order(tie, leg, event, rules)
        changes = effect(leg, event, rules)  # raises before anything changes
        changes["last_seq"] = event.seq
        if _STANDING_FIELDS.isdisjoint(changes):
            change_in_place(leg, changes)
            change_in_place(tie, {"version": tie.version + 1})
        else:  # the standing may change, and may refuse the event: a new leg, then the tie
            new = changed(leg, changes)
            self._tie = _with_leg(tie, leg, new, event)
            leg = new
        # Only now, as nothing can raise: the old leg (if replaced) shares these two.
        leg.__dict__["timeline"].append(event)
        leg.__dict__["event_ids"].add(event.event_id)
        self._state = None
        return True


def _working(tie: TieState) -> TieState:
    """A copy of ``tie`` for a :class:`Folding` to change, legs that are not one already
    copied with their timeline as a list and their event ids as a set."""
    legs = tuple(
        leg if type(leg.__dict__["timeline"]) is list else _working_leg(leg) for leg in tie.legs
    )
    return changed(tie, {"legs": legs})


def _working_leg(leg: MatchState) -> MatchState:
    # Not `changed`, which holds a timeline to a tuple: a working copy's is a list.
    return leg.copy_with({"timeline": list(leg.timeline), "event_ids": set(leg.event_ids)})


def _frozen_leg(leg: MatchState) -> MatchState:
    return changed(leg, {"timeline": tuple(leg.timeline), "event_ids": frozenset(leg.event_ids)})


# -- the tie around its legs -------------------------------------------------------------


def _reads_the_same(old: MatchState, new: MatchState) -> bool:
    """Whether the tie's standing reads the same from ``new`` as from ``old``: it reads only
    these fields of a leg, and the fold keeps an unchanged field as the same object."""
    # Read from the models' dicts: two attribute reads, not ten (see `tracker.state`).
    was, now = old.__dict__, new.__dict__
    return (
        now["score"] is was["score"]
        and now["goals"] is was["goals"]
        and now["status"] is was["status"]
        and now["period"] is was["period"]
        and now["shootout"] is was["shootout"]
    )


def _leg_number(match: MatchState) -> int:
    return match.leg


def _with_leg(
    tie: TieState, old: MatchState | None, leg: MatchState, event: MatchEvent
) -> TieState:
    """``tie`` with ``leg`` in place of ``old`` (a leg of ``tie``), or added (``old`` None)."""
    # Written out for the usual case, an existing leg changed: this runs for every event.
    if old is None:
        legs = tuple(sorted((*tie.legs, leg), key=_leg_number))
    elif tie.legs[0] is old:
        legs = (leg, *tie.legs[1:])
    else:
        legs = (tie.legs[0], leg)  # a tie has two legs at most
    if old is not None and leg.complete == old.complete:
        complete = tie.complete
    else:
        complete = all(match.complete for match in legs)
    if old is not None and _reads_the_same(old, leg):
        return changed(tie, {"legs": legs, "complete": complete, "version": tie.version + 1})
    first = legs[0]
    teams = (first.home, first.away) if first.leg == 1 else (first.away, first.home)
    rules = tie.rules or _rules_of(leg)
    now = standing(rules, teams, legs)
    unearned = unearned_tie_break(rules, teams, legs) if rules.is_knockout else None
    if unearned is not None:
        field = "period" if isinstance(event, PeriodStarted) else "type"
        raise InvalidPeriodTransition.for_event(event, field, f"{unearned}: the tie was not level")
    if now.status is _FINISHED and rules.is_knockout and now.winner is None:
        detail = f"tie {tie.tie_id!r} cannot end level under rules {rules.name!r}"
        raise InvalidPeriodTransition.for_event(event, "type", detail)
    return changed(
        tie,
        {
            "teams": teams,
            "rules": rules,
            "status": now.status,
            "aggregate": now.aggregate,
            "away_goals": now.away_goals,
            "advancing": now.advancing,
            "reason": now.reason,
            "goals_needed": now.goals_needed,
            "winner": now.winner,
            "complete": complete,
            "legs": legs,
            "version": tie.version + 1,
        },
    )


def _rules_of(leg: MatchState) -> TieRules:
    schedule = leg.timeline[0]
    assert isinstance(schedule, MatchScheduled)
    return schedule.tie_rules


def _first_schedule(tie: TieState, event: MatchScheduled) -> MatchState:
    rules = event.tie_rules
    conflict = ScheduleConflict.for_event
    if tie.rules is not None and tie.rules != rules:
        detail = f"tie plays under {tie.rules.name!r}, not {rules.name!r}"
        raise conflict(event, "rules", detail)
    if event.leg > rules.legs:
        raise conflict(event, "leg", f"leg {event.leg} of a {rules.legs}-leg tie")
    if any(leg.leg == event.leg for leg in tie.legs):
        raise conflict(event, "leg", f"leg {event.leg} is already scheduled")
    if event.home == event.away:
        raise conflict(event, "away", f"{event.home!r} cannot play itself")
    if tie.teams:
        expected = tie.teams if event.leg == 1 else tuple(reversed(tie.teams))
        if (event.home, event.away) != expected:
            raise conflict(event, "home", f"leg {event.leg} is {expected[0]} v {expected[1]}")
    return _scheduled(event)


#: A match as scheduled, every other field at its default: :func:`_scheduled` copies it
#: (validating a new MatchState was a twelfth of the live worker's time, one per match).
_SCHEDULED = MatchState(
    match_id="-", tie_id="-", leg=1, home="-", away="-", score={}, stats={}, last_seq=0
)
_NO_STATS = TeamStats()


def _scheduled(event: MatchScheduled) -> MatchState:
    teams = (event.home, event.away)
    return _SCHEDULED.copy_with(
        {
            "match_id": event.match_id,
            "tie_id": event.tie_id,
            "leg": event.leg,
            "home": event.home,
            "away": event.away,
            "competition": event.competition,
            "venue": event.venue,
            "kickoff": event.kickoff,
            "score": dict.fromkeys(teams, 0),
            "stats": dict.fromkeys(teams, _NO_STATS),
            "last_seq": event.seq,
            "timeline": (event,),
            "event_ids": frozenset((event.event_id,)),
        }
    )


# -- acceptance: duplicates, order, gaps and cancellations -------------------------------


def _conflict(event: MatchEvent, seen: MatchEvent) -> ConflictingDuplicate:
    detail = (
        f"event {event.event_id!r} was already received with other content "
        f"({seen.type} at seq {seen.seq} of match {seen.match_id!r})"
    )
    return ConflictingDuplicate.for_event(event, "event_id", detail)


def _out_of_order(leg: MatchState, event: MatchEvent) -> OutOfOrderEvent:
    return OutOfOrderEvent(
        event_id=event.event_id, match_id=event.match_id, expected=leg.last_seq + 1, got=event.seq
    )


def _check_id_is_new(tie: TieState, event: MatchEvent) -> None:
    for other in tie.legs:
        if event.event_id in other.event_ids:
            seen = other.received(event.event_id)
            assert seen is not None  # event_ids indexes exactly the received events
            raise _conflict(event, seen)


def _is_duplicate(tie: TieState, leg: MatchState, event: MatchEvent) -> bool:
    """True for an event already received (same id, or same seq with the same content);
    the same id with other content is a conflicting duplicate, whichever came first."""
    if event.event_id in leg.event_ids:
        seen = leg.received(event.event_id)
        assert seen is not None  # event_ids indexes exactly the received events
        if seen.model_dump() == event.model_dump():
            return True
        raise _conflict(event, seen)
    _check_id_is_new(tie, event)
    if event.seq > leg.last_seq:  # the usual case, decided without a call
        return False
    applied = leg.event_at_seq(event.seq)
    if applied is None:
        return False
    if applied.model_dump(exclude={"event_id"}) == event.model_dump(exclude={"event_id"}):
        return True
    raise _out_of_order(leg, event)


def _check_leg_order(tie: TieState, leg: MatchState, event: MatchEvent, rules: TieRules) -> None:
    """Legs are played one after the other: nothing happens in leg 2 while leg 1 is under
    way. A tie followed from its second leg on (leg 1 never scheduled here) is let be."""
    if leg.leg == 1 or not rules.legs_in_order or type(event) is MatchScheduled:
        return
    for before in tie.legs:
        if before.leg == leg.leg - 1 and before.status is not _FINISHED:
            detail = f"{event.type} in leg {leg.leg} while leg {leg.leg - 1} has not finished"
            raise LegOutOfOrder.for_event(event, "match_id", detail)


def _in_gap(leg: MatchState, seq: int) -> bool:
    return any(gap.after < seq < gap.before for gap in leg.seq_gaps)


def _accept(leg: MatchState, event: MatchEvent, rules: TieRules) -> MatchState:
    """``leg`` with a new event: applied, held (it does not fit yet, and an earlier seq is
    missing), or the whole match re-folded in seq order (a late event, a cancellation)."""
    seq, last_seq = event.seq, leg.last_seq  # read once each: see `tracker.state`
    is_late = seq < last_seq
    if is_late and not _in_gap(leg, seq):
        raise _out_of_order(leg, event)
    if is_late or cancelled_event_id(event) is not None:
        return _rebuild(leg, event, rules)
    gaps = leg.seq_gaps
    opens_gap = seq > last_seq + 1
    if opens_gap:
        gaps = (*gaps, SeqGap(after=last_seq, before=seq))
    try:
        changes = effect(leg, event, rules)
    except RuleViolation as error:
        if not (gaps and error.depends_on_earlier_events):
            raise
        return changed(
            leg,
            {
                "held": (*leg.held, event),
                "event_ids": leg.event_ids | {event.event_id},
                "last_seq": seq,
                "seq_gaps": gaps,
                "complete": False,
            },
        )
    changes["timeline"] = (*leg.timeline, event)
    changes["event_ids"] = leg.event_ids | {event.event_id}
    changes["last_seq"] = seq
    if opens_gap:
        changes["seq_gaps"] = gaps
        changes["complete"] = False
    return changed(leg, changes)


def _rebuild(leg: MatchState, event: MatchEvent, rules: TieRules) -> MatchState:
    """The match re-folded with ``event`` in seq order. Raises if ``event`` itself does not
    fit; any other event that no longer fits is dropped and named in ``refused``."""
    received = sorted((*leg.timeline, *leg.held, event), key=lambda e: e.seq)
    match, refusals = _refold(received, rules)
    for refused, error in refusals:
        if refused is event:
            raise error
    if not refusals:
        return changed(match, {"refused": leg.refused})
    found = tuple(
        Refusal(
            event_id=refused.event_id,
            seq=refused.seq,
            error=type(error).__name__,
            field=error.field,
            detail=error.detail,
        )
        for refused, error in refusals
    )
    return changed(match, {"refused": (*leg.refused, *found)})


def _check_cancellable(leg: MatchState, event: MatchEvent, target_id: str) -> None:
    target = leg.event_by_id(target_id)
    field = {
        "event_retracted": "retracted_event_id",
        "goal_disallowed": "goal_event_id",
    }.get(event.type, "subject_event_id")
    if target is None:
        detail = f"no event {target_id!r} was accepted in this match"
    elif isinstance(target, MatchScheduled | EventRetracted):
        detail = f"a {target.type} event cannot be cancelled"
    elif isinstance(event, GoalDisallowed) and not (
        isinstance(target, GoalScored) and target.team == event.team
    ):
        detail = f"event {target_id!r} is not a goal by {event.team!r}"
    else:
        return
    raise UnknownEventReference.for_event(event, field, detail)


def _refold(
    received: list[MatchEvent], rules: TieRules
) -> tuple[MatchState, list[tuple[MatchEvent, RuleViolation]]]:
    """The match rebuilt from every event received, in seq order, leaving out each cancelled
    event's effect. An event that breaks a rule is held when a seq before it is missing, and
    refused (returned with its error) otherwise."""
    retracted = {e.retracted_event_id for e in received if isinstance(e, EventRetracted)}
    cancelled = set(retracted)
    for event in received:
        target = cancelled_event_id(event)
        if target is not None and event.event_id not in retracted:
            cancelled.add(target)
    schedule, *rest = received
    assert isinstance(schedule, MatchScheduled)
    match = _scheduled(schedule)
    gaps: list[SeqGap] = []
    held: list[MatchEvent] = []
    refused: list[tuple[MatchEvent, RuleViolation]] = []
    for event in rest:
        is_after_gap = event.seq > match.last_seq + 1
        gap = SeqGap(after=match.last_seq, before=event.seq)
        try:
            target = cancelled_event_id(event)
            if target is not None:
                _check_cancellable(match, event, target)
            changes: MatchChanges = (
                effect(match, event, rules) if event.event_id not in cancelled else {}
            )
        except RuleViolation as error:
            if (gaps or is_after_gap) and error.depends_on_earlier_events:
                held.append(event)
                gaps.extend([gap] if is_after_gap else [])
                match = changed(match, {"last_seq": event.seq})
            else:
                refused.append((event, error))
            continue
        gaps.extend([gap] if is_after_gap else [])
        changes["timeline"] = (*match.timeline, event)
        changes["last_seq"] = event.seq
        match = changed(match, changes)
    kept = (*match.timeline, *held)
    return changed(
        match,
        {
            "held": tuple(held),
            "event_ids": frozenset(e.event_id for e in kept),
            "seq_gaps": tuple(gaps),
            "complete": not gaps,
            "cancelled": tuple(e.event_id for e in match.timeline if e.event_id in cancelled),
        },
    ), refused
