"""What each event does to its match: the rules it must keep, then the fields it changes.

Each effect checks its rules first and raises before anything changes; then it changes the
fold's working copy of the match in place (`tracker.working`). The fold does the timeline's
bookkeeping (seq, received ids) and the tie's standing around it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_never

from tracker.errors import (
    InvalidPeriodTransition,
    MatchAlreadyEnded,
    PeriodNotRunning,
    ScheduleConflict,
    ShootoutViolation,
    UnknownTeam,
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
)
from tracker.rules import TieRules
from tracker.state import (
    Dismissal,
    Goal,
    Shootout,
    ShootoutKick,
    Status,
    VarReview,
    trusted,
)
from tracker.working import WorkingMatch

SHOOTOUT_ROUNDS = 5
#: The events that may change what the tie's standing reads of a leg (score, goals, status,
#: period, shootout); no other event changes those fields, so the tie around a leg changed
#: by any other stays as it was (`tracker.fold`).
CHANGES_STANDING: frozenset[type] = frozenset(
    {GoalScored, PeriodStarted, MatchEnded, ShootoutKickTaken}
)
# The members the checks of nearly every event read, bound once: a member read off its class
# (``Status.FINISHED``) goes through the enum class's ``__getattr__`` on Python 3.11 (see
# `tracker.events`; measured 186 ns a read, against 15 ns for a global).
_SCHEDULED = Status.SCHEDULED
_FINISHED = Status.FINISHED
_SHOOTOUT = Period.PENALTY_SHOOTOUT


def apply(match: WorkingMatch, event: MatchEvent, rules: TieRules) -> None:
    """Changes ``match`` as ``event`` says, once it has checked every rule (a rule broken
    raises, and then nothing has changed); then the match's clock, from any event but the
    two whose clock is not the match's (see `tracker.events`)."""
    # One lookup by the event's class, not a ``match`` statement: each case missed was an
    # ``isinstance`` against a pydantic class (about 200 ns), up to 15 an event.
    kind = type(event)
    _EFFECTS[kind](match, event, rules)
    if kind in _NOT_THE_CLOCK:
        return
    minute = event.minute
    if minute is not None:
        match.minute = minute
        match.added_minute = event.added_minute


def _substitute(match: WorkingMatch, event: SubstitutionMade, rules: TieRules) -> None:
    _require_team(match, event, event.team)
    _require_started(match, event)
    _require_not_ended(match, event)
    match.count(event.team, "substitutions")


def _save(match: WorkingMatch, event: SaveMade, rules: TieRules) -> None:
    _require_play(match, event, event.team)
    match.count(event.team, "saves")
    keeper = event.goalkeeper
    if keeper is not None:
        saves = match.keeper_saves
        match.keeper_saves = {**saves, keeper: saves.get(keeper, 0) + 1}


def _call_offside(match: WorkingMatch, event: OffsideCalled, rules: TieRules) -> None:
    _require_play(match, event, event.team)
    match.count(event.team, "offsides")


def _end_match(match: WorkingMatch, event: MatchEnded, rules: TieRules) -> None:
    _require_started(match, event)
    _require_shootout_decided(match, event)
    match.status, match.is_period_running = _FINISHED, False


def _award_penalty(match: WorkingMatch, event: PenaltyAwarded, rules: TieRules) -> None:
    _require_play(match, event, event.team)
    match.count(event.team, "penalties_awarded")


def _miss_penalty(match: WorkingMatch, event: PenaltyMissed, rules: TieRules) -> None:
    _require_play(match, event, event.team)
    match.count(event.team, "penalties_missed")


def _disallow_goal(match: WorkingMatch, event: GoalDisallowed, rules: TieRules) -> None:
    _require_play(match, event, event.team)
    match.count(event.team, "disallowed_goals")


def _start_review(match: WorkingMatch, event: VarReviewStarted, rules: TieRules) -> None:
    _require_started(match, event)
    review = VarReview(
        event_id=event.event_id,
        about=event.about,
        team=event.team,
        subject_event_id=event.subject_event_id,
    )
    match.var_reviews = (*match.var_reviews, review)


def _retract(match: WorkingMatch, event: EventRetracted, rules: TieRules) -> None:
    """Nothing here: the fold re-folds the match without the retracted event."""


def _require_team(match: WorkingMatch, event: MatchEvent, team: str | None) -> None:
    # Not ``team not in match.teams``: a property, and three attribute reads (`tracker.state`).
    if team is not None and team != match.home and team != match.away:
        detail = f"{team!r} is not in {match.home} v {match.away}"
        raise UnknownTeam.for_event(event, "team", detail)


def _require_started(match: WorkingMatch, event: MatchEvent) -> None:
    if match.status is _SCHEDULED:
        raise PeriodNotRunning.for_event(event, "type", f"{event.type} before kick-off")


def _require_not_ended(match: WorkingMatch, event: MatchEvent) -> None:
    if match.status is _FINISHED:
        raise MatchAlreadyEnded.for_event(event, "type", f"{event.type} after the final whistle")


def _require_play(match: WorkingMatch, event: MatchEvent, team: str) -> None:
    """Play events need a running period of open play (not the shootout)."""
    _require_team(match, event, team)
    _require_started(match, event)
    _require_not_ended(match, event)
    if not match.is_period_running or match.period is _SHOOTOUT:
        where = "during the shootout" if match.is_period_running else "while the ball is dead"
        detail = f"{event.type} {where} (after {match.period or 'kick-off'})"
        raise PeriodNotRunning.for_event(event, "type", detail)


def _require_shootout_decided(match: WorkingMatch, event: MatchEvent) -> None:
    shootout = match.shootout
    if shootout is not None and shootout.winner is None:
        kicks = f"{match.home} {shootout.score[match.home]}-{shootout.score[match.away]}"
        detail = f"{event.type} while the shootout is undecided ({kicks} {match.away})"
        raise ShootoutViolation.for_event(event, "type", detail)


# -- the schedule and the periods --------------------------------------------------------


def _reschedule(match: WorkingMatch, event: MatchScheduled, rules: TieRules) -> None:
    """A later scheduling event may move kick-off or venue, not teams, leg or rules."""
    original = match.timeline[0]
    assert isinstance(original, MatchScheduled)
    fixed: tuple[tuple[str, object, object], ...] = (
        ("home", event.home, original.home),
        ("away", event.away, original.away),
        ("leg", event.leg, original.leg),
        ("rules", event.rules, original.rules),
    )
    for field, new, old in fixed:
        if new != old:
            detail = f"cannot change {field} of a scheduled match"
            raise ScheduleConflict.for_event(event, field, detail)
    if match.status is not _SCHEDULED:
        detail = "cannot reschedule a match that has kicked off"
        raise ScheduleConflict.for_event(event, "type", detail)
    match.venue, match.kickoff, match.competition = event.venue, event.kickoff, event.competition


def _next_periods(match: WorkingMatch, rules: TieRules) -> tuple[Period, ...]:
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


def _start_period(match: WorkingMatch, event: PeriodStarted, rules: TieRules) -> None:
    _require_not_ended(match, event)
    if match.is_period_running:
        detail = f"{event.period} started while {match.period} is still running"
        raise InvalidPeriodTransition.for_event(event, "period", detail)
    allowed = _next_periods(match, rules)
    if event.period not in allowed:
        expected = " or ".join(allowed) or "nothing more"
        detail = (
            f"{event.period} cannot follow {match.period or 'kick-off'} under "
            f"{rules.name!r} (expected {expected})"
        )
        raise InvalidPeriodTransition.for_event(event, "period", detail)
    match.status, match.period, match.is_period_running = Status.LIVE, event.period, True
    if event.period is _SHOOTOUT:
        match.shootout = Shootout(score=dict.fromkeys(match.teams, 0))


def _end_period(match: WorkingMatch, event: PeriodEnded, rules: TieRules) -> None:
    if not match.is_period_running or event.period != match.period:
        detail = (
            f"{event.period} ended but the period running is {match.period or 'none'}"
            if match.is_period_running
            else f"{event.period} ended but no period is running"
        )
        raise InvalidPeriodTransition.for_event(event, "period", detail)
    if event.period is _SHOOTOUT:
        _require_shootout_decided(match, event)
    match.is_period_running = False


# -- play --------------------------------------------------------------------------------


def _score_goal(match: WorkingMatch, event: GoalScored, rules: TieRules) -> None:
    _require_play(match, event, event.team)
    assert match.period is not None
    is_own_goal = event.kind is GoalKind.OWN_GOAL
    credited = match.opponent(event.team) if is_own_goal else event.team
    # Built from the validated event's fields, so not validated again (`trusted`).
    goal = trusted(
        Goal,
        {
            "event_id": event.event_id,
            "team": credited,
            "scorer": event.scorer,
            "assist": event.assist,
            "period": event.period or match.period,
            "minute": event.minute,
            "added_minute": event.added_minute,
            "kind": event.kind,
            "body_part": event.body_part,
            "is_deflected": event.is_deflected,
        },
    )
    match.score = {team: goals + (team == credited) for team, goals in match.score.items()}
    match.goals = (*match.goals, goal)
    match.count(credited, "goals")
    if is_own_goal:
        match.count(event.team, "own_goals")
    if event.kind is GoalKind.PENALTY:
        match.count(event.team, "penalties_scored")


def _show_card(match: WorkingMatch, event: CardShown, rules: TieRules) -> None:
    _require_team(match, event, event.team)
    _require_started(match, event)
    if event.card is CardType.YELLOW:
        match.count(event.team, "yellow_cards")
        return
    if event.card is CardType.SECOND_YELLOW:
        match.count(event.team, "yellow_cards")
    match.count(event.team, "red_cards")
    dismissal = trusted(
        Dismissal,
        {
            "event_id": event.event_id,
            "team": event.team,
            "player": event.player,
            "card": event.card,
            "minute": event.minute,
            "added_minute": event.added_minute,
        },
    )
    match.sent_off = (*match.sent_off, dismissal)


def _decide_var(match: WorkingMatch, event: VarReviewDecided, rules: TieRules) -> None:
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
    subject = match.event_by_id(event.subject_event_id) if event.subject_event_id else None
    match.var_reviews = tuple(reviews)
    if event.outcome is VarOutcome.OVERTURNED and isinstance(subject, GoalScored):
        match.count(subject.team, "disallowed_goals")


# -- the shootout ------------------------------------------------------------------------


def _take_kick(match: WorkingMatch, event: ShootoutKickTaken, rules: TieRules) -> None:
    _require_team(match, event, event.team)
    _require_not_ended(match, event)
    shootout = match.shootout
    if shootout is None or not match.is_period_running:
        detail = "shootout kick while no shootout is running"
        raise PeriodNotRunning.for_event(event, "type", detail)
    if shootout.winner is not None:
        detail = f"the shootout was already won by {shootout.winner}"
        raise ShootoutViolation.for_event(event, "type", detail)
    if shootout.kicks:
        first = shootout.kicks[0].team
        expected = first if len(shootout.kicks) % 2 == 0 else match.opponent(first)
        if event.team != expected:
            detail = f"{expected} are due to kick, not {event.team}"
            raise ShootoutViolation.for_event(event, "team", detail)
    kick = ShootoutKick(
        event_id=event.event_id, team=event.team, taker=event.taker, outcome=event.outcome
    )
    kicks = (*shootout.kicks, kick)
    score = {
        team: goals + (team == event.team and event.outcome is KickOutcome.SCORED)
        for team, goals in shootout.score.items()
    }
    winner = _shootout_winner(kicks, score, match.teams)
    match.shootout = Shootout(kicks=kicks, score=score, winner=winner)


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


#: Each event's effect, by its class (a class of its own: see `tracker.events`).
_EFFECTS: dict[type, Callable[[WorkingMatch, Any, TieRules], None]] = {
    SubstitutionMade: _substitute,
    SaveMade: _save,
    OffsideCalled: _call_offside,
    CardShown: _show_card,
    GoalScored: _score_goal,
    PeriodStarted: _start_period,
    PeriodEnded: _end_period,
    MatchScheduled: _reschedule,
    MatchEnded: _end_match,
    PenaltyAwarded: _award_penalty,
    PenaltyMissed: _miss_penalty,
    GoalDisallowed: _disallow_goal,
    ShootoutKickTaken: _take_kick,
    VarReviewStarted: _start_review,
    VarReviewDecided: _decide_var,
    EventRetracted: _retract,
}
#: The events whose clock is not the match's: a scheduling's (before kick-off) and a
#: retraction's (when the feed corrected itself).
_NOT_THE_CLOCK = frozenset({MatchScheduled, EventRetracted})
