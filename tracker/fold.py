"""The fold: `evolve(tie, event) -> tie`, pure, idempotent, one case per event type."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from typing import Any, assert_never

from tracker.errors import (
    ConflictingDuplicate,
    InvalidPeriodTransition,
    LegOutOfOrder,
    MatchAlreadyEnded,
    OutOfOrderEvent,
    PeriodNotRunning,
    RuleViolation,
    ScheduleConflict,
    ShootoutViolation,
    UnknownEventReference,
    UnknownMatch,
    UnknownTeam,
    WrongTie,
)
from tracker.events import (
    CardShown,
    CardType,
    EventRetracted,
    GoalDisallowed,
    GoalKind,
    GoalScored,
    KickOutcome,
    MatchEnded,
    MatchEvent,
    MatchScheduled,
    OffsideCalled,
    PenaltyAwarded,
    PenaltyMissed,
    Period,
    PeriodEnded,
    PeriodStarted,
    SaveMade,
    ShootoutKickTaken,
    SubstitutionMade,
    VarOutcome,
    VarReviewDecided,
    VarReviewStarted,
    cancelled_event_id,
)
from tracker.rules import TieRules
from tracker.standing import standing, unearned_tie_break
from tracker.state import (
    Dismissal,
    Goal,
    MatchState,
    Refusal,
    SeqGap,
    Shootout,
    ShootoutKick,
    Status,
    TeamStats,
    TieState,
    VarReview,
)

SHOOTOUT_ROUNDS = 5


def new_tie(tie_id: str) -> TieState:
    """A tie nobody has scheduled yet."""
    return TieState(tie_id=tie_id)


def fold(events: Iterable[MatchEvent], state: TieState) -> TieState:
    """Every event folded into ``state`` in order (``reduce(evolve, events, state)``)."""
    return reduce(evolve, events, state)


def evolve(tie: TieState, event: MatchEvent) -> TieState:
    """The tie after ``event``. A duplicate returns ``tie`` itself; a rule broken raises."""
    if event.tie_id != tie.tie_id:
        raise WrongTie(
            event_id=event.event_id,
            match_id=event.match_id,
            field="tie_id",
            detail=f"event of tie {event.tie_id!r} folded into tie {tie.tie_id!r}",
        )
    leg = tie.leg_for_match(event.match_id)
    if leg is None:
        if not isinstance(event, MatchScheduled):
            raise UnknownMatch(
                event_id=event.event_id,
                match_id=event.match_id,
                field="match_id",
                detail=f"match not scheduled in tie {tie.tie_id!r}",
            )
        _check_id_is_new(tie, event)
        return _with_leg(tie, _first_schedule(tie, event), event)
    assert tie.rules is not None  # a tie with a leg has rules
    if _is_duplicate(tie, leg, event):
        return tie
    _check_leg_order(tie, leg, event, tie.rules)
    return _with_leg(tie, _accept(leg, event, tie.rules), event)


# -- the tie around its legs -------------------------------------------------------------


# Events that cannot change who goes through: the tie's derived fields are kept as they are.
_STANDING_UNCHANGED = (
    OffsideCalled,
    PenaltyAwarded,
    PenaltyMissed,
    SaveMade,
    CardShown,
    SubstitutionMade,
    VarReviewStarted,
)


def _with_leg(tie: TieState, leg: MatchState, event: MatchEvent) -> TieState:
    legs = tuple(
        sorted(
            (*(old for old in tie.legs if old.match_id != leg.match_id), leg),
            key=lambda m: m.leg,
        )
    )
    complete = all(match.complete for match in legs)
    if isinstance(event, _STANDING_UNCHANGED) and leg.cancelled == _old_cancelled(tie, leg):
        return tie.copy_with({"legs": legs, "complete": complete, "version": tie.version + 1})
    first = legs[0]
    teams = (first.home, first.away) if first.leg == 1 else (first.away, first.home)
    rules = tie.rules or _rules_of(leg)
    now = standing(rules, teams, legs)
    unearned = unearned_tie_break(rules, teams, legs) if rules.is_knockout else None
    if unearned is not None:
        raise InvalidPeriodTransition(
            event_id=event.event_id,
            match_id=event.match_id,
            field="period" if isinstance(event, PeriodStarted) else "type",
            detail=f"{unearned}: the tie was not level",
        )
    if now.status is Status.FINISHED and rules.is_knockout and now.winner is None:
        raise InvalidPeriodTransition(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail=f"tie {tie.tie_id!r} cannot end level under rules {rules.name!r}",
        )
    return tie.copy_with(
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
        }
    )


def _old_cancelled(tie: TieState, leg: MatchState) -> tuple[str, ...]:
    old = tie.leg_for_match(leg.match_id)
    return old.cancelled if old is not None else ()


def _rules_of(leg: MatchState) -> TieRules:
    schedule = leg.timeline[0]
    assert isinstance(schedule, MatchScheduled)
    return schedule.tie_rules


def _first_schedule(tie: TieState, event: MatchScheduled) -> MatchState:
    rules = event.tie_rules

    def conflict(field: str, detail: str) -> ScheduleConflict:
        return ScheduleConflict(
            event_id=event.event_id, match_id=event.match_id, field=field, detail=detail
        )

    if tie.rules is not None and tie.rules != rules:
        raise conflict("rules", f"tie plays under {tie.rules.name!r}, not {rules.name!r}")
    if event.leg > rules.legs:
        raise conflict("leg", f"leg {event.leg} of a {rules.legs}-leg tie")
    if any(leg.leg == event.leg for leg in tie.legs):
        raise conflict("leg", f"leg {event.leg} is already scheduled")
    if event.home == event.away:
        raise conflict("away", f"{event.home!r} cannot play itself")
    if tie.teams:
        expected = tie.teams if event.leg == 1 else tuple(reversed(tie.teams))
        if (event.home, event.away) != expected:
            raise conflict("home", f"leg {event.leg} is {expected[0]} v {expected[1]}")
    return _scheduled(event)


def _scheduled(event: MatchScheduled) -> MatchState:
    teams = (event.home, event.away)
    return MatchState(
        match_id=event.match_id,
        tie_id=event.tie_id,
        leg=event.leg,
        home=event.home,
        away=event.away,
        competition=event.competition,
        venue=event.venue,
        kickoff=event.kickoff,
        score=dict.fromkeys(teams, 0),
        stats={team: TeamStats() for team in teams},
        last_seq=event.seq,
        timeline=(event,),
    )


# -- acceptance: duplicates, order, gaps and cancellations -------------------------------


def _conflict(event: MatchEvent, seen: MatchEvent) -> ConflictingDuplicate:
    return ConflictingDuplicate(
        event_id=event.event_id,
        match_id=event.match_id,
        field="event_id",
        detail=f"event {event.event_id!r} was already received with other content "
        f"({seen.type} at seq {seen.seq} of match {seen.match_id!r})",
    )


def _check_id_is_new(tie: TieState, event: MatchEvent) -> None:
    for other in tie.legs:
        seen = other.received(event.event_id) if other.has_event(event.event_id) else None
        if seen is not None:
            raise _conflict(event, seen)


def _is_duplicate(tie: TieState, leg: MatchState, event: MatchEvent) -> bool:
    """True for an event already received (same id, or same seq with the same content);
    the same id with other content is a conflicting duplicate, whichever came first."""
    if leg.has_event(event.event_id):
        seen = leg.received(event.event_id)
        assert seen is not None  # has_event indexes exactly the received events
        if seen.model_dump() == event.model_dump():
            return True
        raise _conflict(event, seen)
    _check_id_is_new(tie, event)
    applied = leg.event_at_seq(event.seq)
    if applied is None:
        return False
    if applied.model_dump(exclude={"event_id"}) == event.model_dump(exclude={"event_id"}):
        return True
    raise OutOfOrderEvent(
        event_id=event.event_id, match_id=event.match_id, expected=leg.last_seq + 1, got=event.seq
    )


def _check_leg_order(tie: TieState, leg: MatchState, event: MatchEvent, rules: TieRules) -> None:
    """Legs are played one after the other: nothing happens in leg 2 before leg 1 ended."""
    if leg.leg == 1 or not rules.legs_in_order or isinstance(event, MatchScheduled):
        return
    before = next((other for other in tie.legs if other.leg == leg.leg - 1), None)
    if before is None or before.status is not Status.FINISHED:
        state = "is not scheduled" if before is None else "has not finished"
        raise LegOutOfOrder(
            event_id=event.event_id,
            match_id=event.match_id,
            field="match_id",
            detail=f"{event.type} in leg {leg.leg} while leg {leg.leg - 1} {state}",
        )


def _in_gap(leg: MatchState, seq: int) -> bool:
    return any(gap.after < seq < gap.before for gap in leg.seq_gaps)


def _accept(leg: MatchState, event: MatchEvent, rules: TieRules) -> MatchState:
    """``leg`` with a new event: applied, held (it does not fit yet, and an earlier seq is
    missing), or the whole match re-folded in seq order (a late event, a cancellation)."""
    is_late = event.seq < leg.last_seq
    if is_late and not _in_gap(leg, event.seq):
        raise OutOfOrderEvent(
            event_id=event.event_id,
            match_id=event.match_id,
            expected=leg.last_seq + 1,
            got=event.seq,
        )
    if is_late or cancelled_event_id(event) is not None:
        return _rebuild(leg, event, rules)
    gaps = leg.seq_gaps
    if event.seq > leg.last_seq + 1:
        gaps = (*gaps, SeqGap(after=leg.last_seq, before=event.seq))
    try:
        changes = _changes(leg, event, rules)
    except RuleViolation as error:
        if not (gaps and error.depends_on_earlier_events):
            raise
        return leg.copy_with(
            {
                "held": (*leg.held, event),
                "event_ids": leg.event_ids | {event.event_id},
                "last_seq": event.seq,
                "seq_gaps": gaps,
                "complete": False,
            }
        )
    changes["timeline"] = (*leg.timeline, event)
    changes["event_ids"] = leg.event_ids | {event.event_id}
    changes["last_seq"] = event.seq
    if gaps is not leg.seq_gaps:
        changes["seq_gaps"] = gaps
        changes["complete"] = False
    return leg.copy_with(changes)


def _rebuild(leg: MatchState, event: MatchEvent, rules: TieRules) -> MatchState:
    """The match re-folded with ``event`` in seq order. Raises if ``event`` itself does not
    fit; any other event that no longer fits is dropped and named in ``refused``."""
    received = sorted((*leg.timeline, *leg.held, event), key=lambda e: e.seq)
    match, refusals = _refold(received, rules)
    for refused, error in refusals:
        if refused is event:
            raise error
    if not refusals:
        return match.copy_with({"refused": leg.refused})
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
    return match.copy_with({"refused": (*leg.refused, *found)})


def _check_cancellable(leg: MatchState, event: MatchEvent, target_id: str) -> None:
    target = leg.event_by_id(target_id)
    field = {
        "event_retracted": "retracted_event_id",
        "goal_disallowed": "goal_event_id",
    }.get(event.type, "subject_event_id")

    def refuse(detail: str) -> UnknownEventReference:
        return UnknownEventReference(
            event_id=event.event_id, match_id=event.match_id, field=field, detail=detail
        )

    if target is None:
        raise refuse(f"no event {target_id!r} was accepted in this match")
    if isinstance(target, MatchScheduled | EventRetracted):
        raise refuse(f"a {target.type} event cannot be cancelled")
    if isinstance(event, GoalDisallowed) and not (
        isinstance(target, GoalScored) and target.team == event.team
    ):
        raise refuse(f"event {target_id!r} is not a goal by {event.team!r}")


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
            changes = _changes(match, event, rules) if event.event_id not in cancelled else {}
        except RuleViolation as error:
            if (gaps or is_after_gap) and error.depends_on_earlier_events:
                held.append(event)
                gaps.extend([gap] if is_after_gap else [])
                match = match.copy_with({"last_seq": event.seq})
            else:
                refused.append((event, error))
            continue
        gaps.extend([gap] if is_after_gap else [])
        changes["timeline"] = (*match.timeline, event)
        match = match.copy_with({**changes, "last_seq": event.seq})
    kept = (*match.timeline, *held)
    return match.copy_with(
        {
            "held": tuple(held),
            "event_ids": frozenset(e.event_id for e in kept),
            "seq_gaps": tuple(gaps),
            "complete": not gaps,
            "cancelled": tuple(e.event_id for e in match.timeline if e.event_id in cancelled),
        }
    ), refused


# -- effects of each event type ----------------------------------------------------------
#
# Each effect checks its rules first, then returns the fields it changes; the caller makes
# one copy of the match with all of them (and the timeline bookkeeping).

Changes = dict[str, Any]


def _changes(match: MatchState, event: MatchEvent, rules: TieRules) -> Changes:
    """The fields ``event`` changes in ``match`` (rules checked before anything changes)."""
    changes = _effect(match, event, rules)
    if (
        not isinstance(event, MatchScheduled | EventRetracted)
        and event.minute is not None
        and (event.minute, event.added_minute) != (match.minute, match.added_minute)
    ):
        changes["minute"] = event.minute
        changes["added_minute"] = event.added_minute
    return changes


def _effect(match: MatchState, event: MatchEvent, rules: TieRules) -> Changes:
    match event:
        case MatchScheduled():
            return _reschedule(match, event)
        case PeriodStarted():
            return _start_period(match, event, rules)
        case PeriodEnded():
            return _end_period(match, event)
        case MatchEnded():
            _require_started(match, event)
            _require_shootout_decided(match, event)
            return {"status": Status.FINISHED, "is_period_running": False}
        case GoalScored():
            return _score_goal(match, event)
        case GoalDisallowed():
            _require_play(match, event, event.team)
            return {"stats": _bumped(match.stats, event.team, "disallowed_goals")}
        case OffsideCalled():
            _require_play(match, event, event.team)
            return {"stats": _bumped(match.stats, event.team, "offsides")}
        case PenaltyAwarded():
            _require_play(match, event, event.team)
            return {"stats": _bumped(match.stats, event.team, "penalties_awarded")}
        case PenaltyMissed():
            _require_play(match, event, event.team)
            return {"stats": _bumped(match.stats, event.team, "penalties_missed")}
        case SaveMade():
            _require_play(match, event, event.team)
            changes: Changes = {"stats": _bumped(match.stats, event.team, "saves")}
            if event.goalkeeper is not None:
                saves = dict(match.keeper_saves)
                saves[event.goalkeeper] = saves.get(event.goalkeeper, 0) + 1
                changes["keeper_saves"] = saves
            return changes
        case CardShown():
            return _show_card(match, event)
        case SubstitutionMade():
            _require_team(match, event, event.team)
            _require_started(match, event)
            _require_not_ended(match, event)
            return {"stats": _bumped(match.stats, event.team, "substitutions")}
        case VarReviewStarted():
            _require_started(match, event)
            review = VarReview(
                event_id=event.event_id,
                about=event.about,
                team=event.team,
                subject_event_id=event.subject_event_id,
            )
            return {"var_reviews": (*match.var_reviews, review)}
        case VarReviewDecided():
            return _decide_var(match, event)
        case ShootoutKickTaken():
            return _take_kick(match, event)
        case EventRetracted():
            return {}
        case _:
            assert_never(event)


def _bumped(
    stats: dict[str, TeamStats], team: str, counter: str, by: int = 1
) -> dict[str, TeamStats]:
    """``stats`` with one team's ``counter`` raised by ``by`` (teams keep their order)."""
    return {
        name: old.copy_with({counter: getattr(old, counter) + by}) if name == team else old
        for name, old in stats.items()
    }


def _require_team(match: MatchState, event: MatchEvent, team: str | None) -> None:
    if team is not None and team not in match.teams:
        raise UnknownTeam(
            event_id=event.event_id,
            match_id=event.match_id,
            field="team",
            detail=f"{team!r} is not in {match.home} v {match.away}",
        )


def _require_started(match: MatchState, event: MatchEvent) -> None:
    if match.status is Status.SCHEDULED:
        raise PeriodNotRunning(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail=f"{event.type} before kick-off",
        )


def _require_not_ended(match: MatchState, event: MatchEvent) -> None:
    if match.status is Status.FINISHED:
        raise MatchAlreadyEnded(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail=f"{event.type} after the final whistle",
        )


def _require_play(match: MatchState, event: MatchEvent, team: str) -> None:
    """Play events need a running period of open play (not the shootout)."""
    _require_team(match, event, team)
    _require_started(match, event)
    _require_not_ended(match, event)
    if not match.is_period_running or match.period is Period.PENALTY_SHOOTOUT:
        where = "during the shootout" if match.is_period_running else "while the ball is dead"
        raise PeriodNotRunning(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail=f"{event.type} {where} (after {match.period or 'kick-off'})",
        )


def _reschedule(match: MatchState, event: MatchScheduled) -> Changes:
    """A later scheduling event may move kick-off or venue, not teams, leg or rules."""
    original = match.timeline[0]
    assert isinstance(original, MatchScheduled)
    for field in ("home", "away", "leg", "rules"):
        if getattr(event, field) != getattr(original, field):
            raise ScheduleConflict(
                event_id=event.event_id,
                match_id=event.match_id,
                field=field,
                detail=f"cannot change {field} of a scheduled match",
            )
    if match.status is not Status.SCHEDULED:
        raise ScheduleConflict(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail="cannot reschedule a match that has kicked off",
        )
    return {"venue": event.venue, "kickoff": event.kickoff, "competition": event.competition}


def _next_periods(match: MatchState, rules: TieRules) -> tuple[Period, ...]:
    is_decider = rules.is_knockout and match.leg == rules.legs
    shootout = (Period.PENALTY_SHOOTOUT,) if is_decider and rules.penalties else ()
    match match.period:
        case None:
            return (Period.FIRST_HALF,)
        case Period.FIRST_HALF:
            return (Period.SECOND_HALF,)
        case Period.SECOND_HALF:
            if is_decider and rules.extra_time:
                return (Period.EXTRA_TIME_FIRST_HALF,)
            return shootout
        case Period.EXTRA_TIME_FIRST_HALF:
            return (Period.EXTRA_TIME_SECOND_HALF,)
        case Period.EXTRA_TIME_SECOND_HALF:
            return shootout
        case Period.PENALTY_SHOOTOUT:
            return ()
        case _:
            assert_never(match.period)


def _start_period(match: MatchState, event: PeriodStarted, rules: TieRules) -> Changes:
    _require_not_ended(match, event)

    def refuse(detail: str) -> InvalidPeriodTransition:
        return InvalidPeriodTransition(
            event_id=event.event_id, match_id=event.match_id, field="period", detail=detail
        )

    if match.is_period_running:
        raise refuse(f"{event.period} started while {match.period} is still running")
    allowed = _next_periods(match, rules)
    if event.period not in allowed:
        expected = " or ".join(allowed) or "nothing more"
        raise refuse(
            f"{event.period} cannot follow {match.period or 'kick-off'} under "
            f"{rules.name!r} (expected {expected})"
        )
    changes: Changes = {"status": Status.LIVE, "period": event.period, "is_period_running": True}
    if event.period is Period.PENALTY_SHOOTOUT:
        changes["shootout"] = Shootout(score=dict.fromkeys(match.teams, 0))
    return changes


def _require_shootout_decided(match: MatchState, event: MatchEvent) -> None:
    shootout = match.shootout
    if shootout is not None and shootout.winner is None:
        kicks = f"{match.home} {shootout.score[match.home]}-{shootout.score[match.away]}"
        raise ShootoutViolation(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail=f"{event.type} while the shootout is undecided ({kicks} {match.away})",
        )


def _end_period(match: MatchState, event: PeriodEnded) -> Changes:
    if not match.is_period_running or event.period != match.period:
        raise InvalidPeriodTransition(
            event_id=event.event_id,
            match_id=event.match_id,
            field="period",
            detail=f"{event.period} ended but the period running is {match.period or 'none'}"
            if match.is_period_running
            else f"{event.period} ended but no period is running",
        )
    if event.period is Period.PENALTY_SHOOTOUT:
        _require_shootout_decided(match, event)
    return {"is_period_running": False}


def _score_goal(match: MatchState, event: GoalScored) -> Changes:
    _require_play(match, event, event.team)
    assert match.period is not None
    is_own_goal = event.kind is GoalKind.OWN_GOAL
    credited = match.opponent(event.team) if is_own_goal else event.team
    goal = Goal(
        event_id=event.event_id,
        team=credited,
        scorer=event.scorer,
        assist=event.assist,
        period=event.period or match.period,
        minute=event.minute,
        added_minute=event.added_minute,
        kind=event.kind,
        body_part=event.body_part,
        is_deflected=event.is_deflected,
    )
    score = {team: goals + (team == credited) for team, goals in match.score.items()}
    stats = _bumped(match.stats, credited, "goals")
    if is_own_goal:
        stats = _bumped(stats, event.team, "own_goals")
    if event.kind is GoalKind.PENALTY:
        stats = _bumped(stats, event.team, "penalties_scored")
    return {"score": score, "goals": (*match.goals, goal), "stats": stats}


def _show_card(match: MatchState, event: CardShown) -> Changes:
    _require_team(match, event, event.team)
    _require_started(match, event)
    if event.card is CardType.YELLOW:
        return {"stats": _bumped(match.stats, event.team, "yellow_cards")}
    stats = match.stats
    if event.card is CardType.SECOND_YELLOW:
        stats = _bumped(stats, event.team, "yellow_cards")
    dismissal = Dismissal(
        event_id=event.event_id,
        team=event.team,
        player=event.player,
        card=event.card,
        minute=event.minute,
        added_minute=event.added_minute,
    )
    return {
        "sent_off": (*match.sent_off, dismissal),
        "stats": _bumped(stats, event.team, "red_cards"),
    }


def _decide_var(match: MatchState, event: VarReviewDecided) -> Changes:
    _require_team(match, event, event.team)
    _require_started(match, event)
    reviews = list(match.var_reviews)
    open_index = next(
        (
            i
            for i in range(len(reviews) - 1, -1, -1)
            if reviews[i].outcome is None
            and reviews[i].about is event.about
            and reviews[i].subject_event_id in (None, event.subject_event_id)
        ),
        None,
    )
    decided = VarReview(
        event_id=event.event_id,
        about=event.about,
        team=event.team,
        subject_event_id=event.subject_event_id,
        outcome=event.outcome,
    )
    if open_index is None:
        reviews.append(decided)
    else:
        reviews[open_index] = decided
    changes: Changes = {"var_reviews": tuple(reviews)}
    subject = match.event_by_id(event.subject_event_id) if event.subject_event_id else None
    if event.outcome is VarOutcome.OVERTURNED and isinstance(subject, GoalScored):
        changes["stats"] = _bumped(match.stats, subject.team, "disallowed_goals")
    return changes


def _take_kick(match: MatchState, event: ShootoutKickTaken) -> Changes:
    _require_team(match, event, event.team)
    _require_not_ended(match, event)

    def refuse(field: str, detail: str) -> ShootoutViolation:
        return ShootoutViolation(
            event_id=event.event_id, match_id=event.match_id, field=field, detail=detail
        )

    shootout = match.shootout
    if shootout is None or not match.is_period_running:
        raise PeriodNotRunning(
            event_id=event.event_id,
            match_id=event.match_id,
            field="type",
            detail="shootout kick while no shootout is running",
        )
    if shootout.winner is not None:
        raise refuse("type", f"the shootout was already won by {shootout.winner}")
    if shootout.kicks:
        first = shootout.kicks[0].team
        expected = first if len(shootout.kicks) % 2 == 0 else match.opponent(first)
        if event.team != expected:
            raise refuse("team", f"{expected} are due to kick, not {event.team}")
    kick = ShootoutKick(
        event_id=event.event_id, team=event.team, taker=event.taker, outcome=event.outcome
    )
    kicks = (*shootout.kicks, kick)
    score = {
        team: goals + (team == event.team and event.outcome is KickOutcome.SCORED)
        for team, goals in shootout.score.items()
    }
    winner = _shootout_winner(kicks, score, match.teams)
    return {"shootout": Shootout(kicks=kicks, score=score, winner=winner)}


def _shootout_winner(
    kicks: tuple[ShootoutKick, ...], score: dict[str, int], teams: tuple[str, str]
) -> str | None:
    """The winner once the other side cannot catch up (early) or after a sudden-death round."""
    taken = {team: sum(1 for kick in kicks if kick.team == team) for team in teams}
    first, second = teams
    if max(taken.values()) <= SHOOTOUT_ROUNDS:
        left = {team: SHOOTOUT_ROUNDS - taken[team] for team in teams}
        if score[first] > score[second] + left[second]:
            return first
        if score[second] > score[first] + left[first]:
            return second
        return None
    if taken[first] == taken[second] and score[first] != score[second]:
        return first if score[first] > score[second] else second
    return None
