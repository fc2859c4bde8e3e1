"""The fold: `evolve(tie, event) -> tie`, pure, idempotent, one case per event type."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.changes import TieChanges, changed
from tracker.effects import CHANGES_STANDING, apply
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
from tracker.standing import Standing, lacks_first_leg, standing, unearned_tie_break
from tracker.state import MatchState, Refusal, SeqGap, Status, TieState
from tracker.working import WorkingMatch

# Bound once: a member read off its class goes through the enum class's ``__getattr__`` on
# Python 3.11 (see `tracker.events`), and the leg-order check reads it for every event of a
# second leg.
_FINISHED = Status.FINISHED


def new_tie(tie_id: str) -> TieState:
    """A tie nobody has scheduled yet."""
    return TieState(tie_id=tie_id)


def fold(events: Iterable[MatchEvent], state: TieState) -> TieState:
    """Every event folded into ``state`` in order: ``reduce(evolve, events, state)``, with
    the tie frozen once at the end instead of at every event (see :class:`Folding`)."""
    folding = Folding(state)
    for event in events:
        folding.add(event)
    return folding.state


def evolve(tie: TieState, event: MatchEvent) -> TieState:
    """The tie after ``event``. A duplicate returns ``tie`` itself; a rule broken raises."""
    folding = _OneEvent(tie)
    return folding.state if folding.add(event) else tie


#: A leg of a :class:`Folding`: frozen as it came, or thawed once an event touched it.
_FoldingLeg = MatchState | WorkingMatch


class Folding:
    """A tie folded on from ``tie`` one event at a time, the legs an event touches changed
    in place (`tracker.working`); :attr:`state` is the tie now, immutable like every state.

    ``add`` raises when an event breaks a rule, and an event it refuses changes nothing: the
    folding goes on as if it never came. :func:`evolve` is one ``add`` and its state; a
    replay, a restore or :func:`fold` add many and ask for the state once."""

    __slots__ = ("_legs", "_stale", "_standing", "_state", "_tie", "_version")

    def __init__(self, tie: TieState) -> None:
        # The tie's own fields (teams, rules) as of the last change to them; its standing
        # (status, aggregate, who goes through...) since the last event that changed it, put
        # into the state when it is built (a copy of the tie at every goal was a twentieth of
        # a fold), or, when ``_stale``, worked out then from the legs; its legs, completeness
        # and version are this folding's.
        self._tie = tie
        self._standing: TieChanges = {}
        self._stale = False
        self._legs: list[_FoldingLeg] = list(tie.legs)
        self._version = tie.version
        self._state: TieState | None = tie

    @property
    def state(self) -> TieState:
        """The tie after every event added: immutable, and built once per run of adds."""
        state = self._state
        if state is None:
            if self._stale:
                rules = self._tie.rules
                assert rules is not None  # a tie with a leg has rules
                self._keep_standing(standing(rules, self._tie.teams, self._legs))
            frozen: list[MatchState] = []
            for leg in self._legs:  # a loop, not a call a leg: one or two legs, once an event
                if isinstance(leg, WorkingMatch):
                    frozen.append(leg.frozen(is_last_use=not self._keeps_going))
                else:
                    frozen.append(leg)
            legs = tuple(frozen)
            complete = False not in [leg.complete for leg in legs]  # not all(genexpr): 1-2
            rules = self._tie.rules
            if complete and legs and legs[0].leg != 1 and rules is not None:  # cheap first
                complete = not lacks_first_leg(rules, legs)  # leg 2 alone: no aggregate
            changes: TieChanges = {
                **self._standing,
                "complete": complete,
                "legs": legs,
                "version": self._version,
            }
            state = self._state = changed(self._tie, changes)
        return state

    def add(self, event: MatchEvent) -> bool:
        """Folds ``event`` in: True when it changed the tie, False for a duplicate."""
        tie, legs = self._tie, self._legs
        if event.tie_id != tie.tie_id:
            detail = f"event of tie {event.tie_id!r} folded into tie {tie.tie_id!r}"
            raise WrongTie.for_event(event, "tie_id", detail)
        index = None
        for number, each in enumerate(legs):  # a loop, not a call: one or two legs
            if each.match_id == event.match_id:
                index = number
                break
        if index is None:
            self._schedule(event)
            return self._changed()
        leg = legs[index]
        rules = tie.rules
        assert rules is not None  # a tie with a leg has rules
        if _is_duplicate(legs, leg, event):
            return False
        _check_leg_order(legs, leg, event, rules)
        if not isinstance(leg, WorkingMatch):
            leg = legs[index] = self._thaw(leg)  # a copy: nothing anyone sees changes
        seq, last_seq = event.seq, leg.last_seq  # read once each: see `tracker.state`
        if seq < last_seq or cancelled_event_id(event) is not None:
            if not _in_gap(leg, seq) and seq < last_seq:
                raise _out_of_order(leg, event)
            rebuilt = _rebuild(leg, event, rules)
            self._stand(index, rebuilt, event)
            legs[index] = rebuilt
            return self._changed()
        # The usual event: the next seq of its match (or after a gap, one that opens).
        gaps = leg.seq_gaps
        opens_gap = seq > last_seq + 1
        if opens_gap:
            gaps = (*gaps, SeqGap(after=last_seq, before=seq))
        # An event that may change the standing is tried on a copy: the standing may still
        # refuse it, and then the leg must be as it was.
        changes_standing = type(event) in CHANGES_STANDING
        taking = leg.copy() if changes_standing and self._keeps_going else leg
        try:
            apply(taking, event, rules)
        except RuleViolation as error:
            if not (gaps and error.depends_on_earlier_events):
                raise
            leg.hold(event)
        else:
            if changes_standing:
                self._stand(index, taking, event, may_end_tie=taking.status is _FINISHED)
                legs[index] = leg = taking
            leg.take(event)
        leg.last_seq = seq
        if opens_gap:
            leg.seq_gaps, leg.complete = gaps, False
        return self._changed()

    #: Whether the folding goes on after an event, or its state is read once and it ends
    #: (:class:`_OneEvent`).
    _keeps_going = True

    def _thaw(self, leg: MatchState) -> WorkingMatch:
        return WorkingMatch.of(leg)

    def _changed(self) -> bool:
        self._version += 1
        self._state = None
        return True

    def _schedule(self, event: MatchEvent) -> None:
        """A first event of a match not in the tie: it must schedule the tie's next leg."""
        tie = self._tie
        if type(event) is not MatchScheduled:  # type, not isinstance: see tracker.events
            detail = f"match not scheduled in tie {tie.tie_id!r}"
            raise UnknownMatch.for_event(event, "match_id", detail)
        _check_id_is_new(self._legs, event)
        _check_schedule(tie, self._legs, event)
        legs = sorted((*self._legs, WorkingMatch.scheduled(event)), key=_leg_number)
        self._stand_legs(legs, event, event.tie_rules, may_end_tie=False)  # a leg to play
        self._legs = legs

    def _stand(
        self, index: int, leg: WorkingMatch, event: MatchEvent, *, may_end_tie: bool = True
    ) -> None:
        """The tie's standing with ``leg`` in place of leg ``index``; raises if it refuses."""
        legs = list(self._legs)
        legs[index] = leg
        rules = self._tie.rules
        assert rules is not None  # a tie with a leg has rules
        self._stand_legs(legs, event, rules, may_end_tie=may_end_tie)

    def _stand_legs(
        self,
        legs: list[_FoldingLeg],
        event: MatchEvent,
        rules: TieRules,
        *,
        may_end_tie: bool = True,
    ) -> None:
        """The tie's own fields from ``legs``, or the error of an event that leaves the tie
        where it cannot be (a tie-break it did not need, a knockout tie ended level).

        Only an event that leaves its leg finished (or one folded again with its match, which
        may do anything) can end a tie level: every leg has finished then. After any other,
        the standing is worked out when the state is built, once for a run of events (a
        replay folds a whole match on), from the same legs; :func:`evolve`, which builds
        the state right after its one event, works it out at once."""
        first = legs[0]
        teams = (first.home, first.away) if first.leg == 1 else (first.away, first.home)
        unearned = unearned_tie_break(rules, teams, legs) if rules.is_knockout else None
        if unearned is not None:
            field = "period" if isinstance(event, PeriodStarted) else "type"
            raise InvalidPeriodTransition.for_event(
                event, field, f"{unearned}: the tie was not level"
            )
        keep_for_later = self._keeps_going and not may_end_tie
        now = None if keep_for_later else standing(rules, teams, legs)
        if now is not None and now.status is _FINISHED and rules.is_knockout and now.winner is None:
            detail = f"tie {self._tie.tie_id!r} cannot end level under rules {rules.name!r}"
            raise InvalidPeriodTransition.for_event(event, "type", detail)
        tie = self._tie
        if teams != tie.teams or rules is not tie.rules:  # the first leg's scheduling
            self._tie = changed(tie, {"teams": teams, "rules": rules})
        if now is None:
            self._stale = True
        else:
            self._keep_standing(now)

    def _keep_standing(self, now: Standing) -> None:
        self._standing = {
            "status": now.status,
            "aggregate": now.aggregate,
            "away_goals": now.away_goals,
            "advancing": now.advancing,
            "reason": now.reason,
            "goals_needed": now.goals_needed,
            "winner": now.winner,
        }
        self._stale = False


class _OneEvent(Folding):
    """The folding :func:`evolve` makes for its one event: a leg it thaws keeps its timeline
    and ids as the frozen tuple and set, which taking the event copies once (a list and a
    set would be copied twice, in and out); an event is tried on the leg itself, since an
    event refused ends this folding; and the state, read once, takes over the working
    copy's dict."""

    __slots__ = ()
    _keeps_going = False

    def _thaw(self, leg: MatchState) -> WorkingMatch:
        return WorkingMatch.of(leg, for_one_event=True)


def _leg_number(match: _FoldingLeg) -> int:
    return match.leg


def _check_schedule(tie: TieState, legs: list[_FoldingLeg], event: MatchScheduled) -> None:
    rules = event.tie_rules
    conflict = ScheduleConflict.for_event
    if tie.rules is not None and tie.rules != rules:
        detail = f"tie plays under {tie.rules.name!r}, not {rules.name!r}"
        raise conflict(event, "rules", detail)
    if event.leg > rules.legs:
        raise conflict(event, "leg", f"leg {event.leg} of a {rules.legs}-leg tie")
    if any(leg.leg == event.leg for leg in legs):
        raise conflict(event, "leg", f"leg {event.leg} is already scheduled")
    if event.home == event.away:
        raise conflict(event, "away", f"{event.home!r} cannot play itself")
    if tie.teams:
        expected = tie.teams if event.leg == 1 else tuple(reversed(tie.teams))
        if (event.home, event.away) != expected:
            raise conflict(event, "home", f"leg {event.leg} is {expected[0]} v {expected[1]}")


# -- acceptance: duplicates, order, gaps and cancellations -------------------------------


def _conflict(event: MatchEvent, seen: MatchEvent) -> ConflictingDuplicate:
    detail = (
        f"event {event.event_id!r} was already received with other content "
        f"({seen.type} at seq {seen.seq} of match {seen.match_id!r})"
    )
    return ConflictingDuplicate.for_event(event, "event_id", detail)


def _out_of_order(leg: _FoldingLeg, event: MatchEvent) -> OutOfOrderEvent:
    return OutOfOrderEvent(
        event_id=event.event_id, match_id=event.match_id, expected=leg.last_seq + 1, got=event.seq
    )


def _check_id_is_new(legs: list[_FoldingLeg], event: MatchEvent) -> None:
    for other in legs:
        if event.event_id in other.event_ids:
            seen = other.received(event.event_id)
            assert seen is not None  # event_ids indexes exactly the received events
            raise _conflict(event, seen)


def _is_duplicate(legs: list[_FoldingLeg], leg: _FoldingLeg, event: MatchEvent) -> bool:
    """True for an event already received (same id, or same seq with the same content);
    the same id with other content is a conflicting duplicate, whichever came first."""
    if event.event_id in leg.event_ids:
        seen = leg.received(event.event_id)
        assert seen is not None  # event_ids indexes exactly the received events
        if seen.model_dump() == event.model_dump():
            return True
        raise _conflict(event, seen)
    _check_id_is_new(legs, event)
    if event.seq > leg.last_seq:  # the usual case, decided without a call
        return False
    applied = leg.event_at_seq(event.seq)
    if applied is None:
        return False
    if applied.model_dump(exclude={"event_id"}) == event.model_dump(exclude={"event_id"}):
        return True
    raise _out_of_order(leg, event)


def _check_leg_order(
    legs: list[_FoldingLeg], leg: _FoldingLeg, event: MatchEvent, rules: TieRules
) -> None:
    """Legs are played one after the other: nothing happens in leg 2 while leg 1 is under
    way. A tie followed from its second leg on (leg 1 never scheduled here) is let be."""
    if leg.leg == 1 or not rules.legs_in_order or type(event) is MatchScheduled:
        return
    for before in legs:
        if before.leg == leg.leg - 1 and before.status is not _FINISHED:
            detail = f"{event.type} in leg {leg.leg} while leg {leg.leg - 1} has not finished"
            raise LegOutOfOrder.for_event(event, "match_id", detail)


def _in_gap(leg: _FoldingLeg, seq: int) -> bool:
    return any(gap.after < seq < gap.before for gap in leg.seq_gaps)


def _rebuild(leg: WorkingMatch, event: MatchEvent, rules: TieRules) -> WorkingMatch:
    """The match re-folded with ``event`` in seq order. Raises if ``event`` itself does not
    fit; any other event that no longer fits is dropped and named in ``refused``."""
    received = sorted((*leg.timeline, *leg.held, event), key=lambda e: e.seq)
    match, refusals = _refold(received, rules)
    for refused, error in refusals:
        if refused is event:
            raise error
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
    match.refused = (*leg.refused, *found)
    return match


def _check_cancellable(leg: WorkingMatch, event: MatchEvent, target_id: str) -> None:
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
) -> tuple[WorkingMatch, list[tuple[MatchEvent, RuleViolation]]]:
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
    match = WorkingMatch.scheduled(schedule)
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
            if event.event_id not in cancelled:
                apply(match, event, rules)
        except RuleViolation as error:
            if (gaps or is_after_gap) and error.depends_on_earlier_events:
                held.append(event)
                gaps.extend([gap] if is_after_gap else [])
                match.last_seq = event.seq
            else:
                refused.append((event, error))
            continue
        gaps.extend([gap] if is_after_gap else [])
        match.take(event)
        match.last_seq = event.seq
    match.held = tuple(held)
    match.event_ids = {e.event_id for e in (*match.timeline, *held)}
    match.seq_gaps = tuple(gaps)
    match.complete = not gaps
    match.cancelled = tuple(e.event_id for e in match.timeline if e.event_id in cancelled)
    return match, refused
