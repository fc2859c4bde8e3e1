"""What each event does to its match: the rules it must keep, then the fields it changes.

Each effect checks its rules first and raises before anything changes; it returns the
fields it changes, and the fold makes one copy of the match with all of them (and the
timeline bookkeeping).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

from tracker.changes import MatchChanges, StatsChanges, changed
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
    MatchState,
    Shootout,
    ShootoutKick,
    Status,
    TeamStats,
    VarReview,
)

SHOOTOUT_ROUNDS = 5
# Events whose clock is not the match's, tested by type (see `tracker.events` on why).
_CLOCKLESS: frozenset[type] = frozenset({MatchScheduled, EventRetracted})
# The members the checks of nearly every event read, bound once: a member read off its class
# (``Status.FINISHED``) goes through the enum class's ``__getattr__`` on Python 3.11 (see
# `tracker.events`; measured 186 ns a read, against 15 ns for a global).
_SCHEDULED = Status.SCHEDULED
_FINISHED = Status.FINISHED
_SHOOTOUT = Period.PENALTY_SHOOTOUT


def effect(match: MatchState, event: MatchEvent, rules: TieRules) -> MatchChanges:
    """The fields ``event`` changes in ``match`` (rules checked before anything changes)."""
    changes = _effect(match, event, rules)
    if type(event) in _CLOCKLESS:
        return changes
    # Each field read once: see `tracker.state` on what a model's attribute read costs.
    minute, added_minute = event.minute, event.added_minute
    if minute is not None and (minute != match.minute or added_minute != match.added_minute):
        changes["minute"] = minute
        changes["added_minute"] = added_minute
    return changes


def _effect(match: MatchState, event: MatchEvent, rules: TieRules) -> MatchChanges:
    # Each case tests the event's class and a miss costs (see `tracker.events`), so the kinds
    # a match has most of come first: in the benchmark's generated matches substitutions are
    # 26% of the events, saves 22%, offsides 12%, cards 12%, goals 8%, period changes 12%.
    match event:
        case SubstitutionMade():
            _require_team(match, event, event.team)
            _require_started(match, event)
            _require_not_ended(match, event)
            stats = _counted(
                match.stats, event.team, lambda s: {"substitutions": s.substitutions + 1}
            )
            return {"stats": stats}
        case SaveMade():
            return _make_save(match, event)
        case OffsideCalled():
            return _count_play(match, event, lambda s: {"offsides": s.offsides + 1})
        case CardShown():
            return _show_card(match, event)
        case GoalScored():
            return _score_goal(match, event)
        case PeriodStarted():
            return _start_period(match, event, rules)
        case PeriodEnded():
            return _end_period(match, event)
        case MatchScheduled():
            return _reschedule(match, event)
        case MatchEnded():
            _require_started(match, event)
            _require_shootout_decided(match, event)
            return {"status": Status.FINISHED, "is_period_running": False}
        case PenaltyAwarded():
            return _count_play(
                match, event, lambda s: {"penalties_awarded": s.penalties_awarded + 1}
            )
        case PenaltyMissed():
            return _count_play(match, event, lambda s: {"penalties_missed": s.penalties_missed + 1})
        case GoalDisallowed():
            return _count_play(match, event, lambda s: {"disallowed_goals": s.disallowed_goals + 1})
        case ShootoutKickTaken():
            return _take_kick(match, event)
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
        case EventRetracted():
            return {}
        case _:
            assert_never(event)


_Count = Callable[[TeamStats], StatsChanges]


def _counted(stats: dict[str, TeamStats], team: str, count: _Count) -> dict[str, TeamStats]:
    """``stats`` with ``team``'s counters changed as ``count`` says (teams keep their order)."""
    counted = dict(stats)
    counted[team] = changed(stats[team], count(stats[team]))
    return counted


def _count_play(
    match: MatchState,
    event: GoalDisallowed | OffsideCalled | PenaltyAwarded | PenaltyMissed,
    count: _Count,
) -> MatchChanges:
    """A play event that changes only its team's stats."""
    _require_play(match, event, event.team)
    return {"stats": _counted(match.stats, event.team, count)}


# -- the rules an event must keep --------------------------------------------------------


def _require_team(match: MatchState, event: MatchEvent, team: str | None) -> None:
    # Not ``team not in match.teams``: a property, and three attribute reads (`tracker.state`).
    if team is not None and team != match.home and team != match.away:
        detail = f"{team!r} is not in {match.home} v {match.away}"
        raise UnknownTeam.for_event(event, "team", detail)


def _require_started(match: MatchState, event: MatchEvent) -> None:
    if match.status is _SCHEDULED:
        raise PeriodNotRunning.for_event(event, "type", f"{event.type} before kick-off")


def _require_not_ended(match: MatchState, event: MatchEvent) -> None:
    if match.status is _FINISHED:
        raise MatchAlreadyEnded.for_event(event, "type", f"{event.type} after the final whistle")


def _require_play(match: MatchState, event: MatchEvent, team: str) -> None:
    """Play events need a running period of open play (not the shootout)."""
    _require_team(match, event, team)
    _require_started(match, event)
    _require_not_ended(match, event)
    if not match.is_period_running or match.period is _SHOOTOUT:
        where = "during the shootout" if match.is_period_running else "while the ball is dead"
        detail = f"{event.type} {where} (after {match.period or 'kick-off'})"
        raise PeriodNotRunning.for_event(event, "type", detail)


def _require_shootout_decided(match: MatchState, event: MatchEvent) -> None:
    shootout = match.shootout
    if shootout is not None and shootout.winner is None:
        kicks = f"{match.home} {shootout.score[match.home]}-{shootout.score[match.away]}"
        detail = f"{event.type} while the shootout is undecided ({kicks} {match.away})"
        raise ShootoutViolation.for_event(event, "type", detail)


# -- the schedule and the periods --------------------------------------------------------


def _reschedule(match: MatchState, event: MatchScheduled) -> MatchChanges:
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
    if match.status is not Status.SCHEDULED:
        detail = "cannot reschedule a match that has kicked off"
        raise ScheduleConflict.for_event(event, "type", detail)
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


def _start_period(match: MatchState, event: PeriodStarted, rules: TieRules) -> MatchChanges:
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
    changes: MatchChanges = {
        "status": Status.LIVE,
        "period": event.period,
        "is_period_running": True,
    }
    if event.period is Period.PENALTY_SHOOTOUT:
        changes["shootout"] = Shootout(score=dict.fromkeys(match.teams, 0))
    return changes


def _end_period(match: MatchState, event: PeriodEnded) -> MatchChanges:
    if not match.is_period_running or event.period != match.period:
        detail = (
            f"{event.period} ended but the period running is {match.period or 'none'}"
            if match.is_period_running
            else f"{event.period} ended but no period is running"
        )
        raise InvalidPeriodTransition.for_event(event, "period", detail)
    if event.period is Period.PENALTY_SHOOTOUT:
        _require_shootout_decided(match, event)
    return {"is_period_running": False}


# -- play --------------------------------------------------------------------------------


def _score_goal(match: MatchState, event: GoalScored) -> MatchChanges:
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
    stats = _counted(match.stats, credited, lambda s: {"goals": s.goals + 1})
    if is_own_goal:
        stats = _counted(stats, event.team, lambda s: {"own_goals": s.own_goals + 1})
    if event.kind is GoalKind.PENALTY:
        stats = _counted(stats, event.team, lambda s: {"penalties_scored": s.penalties_scored + 1})
    return {"score": score, "goals": (*match.goals, goal), "stats": stats}


def _make_save(match: MatchState, event: SaveMade) -> MatchChanges:
    _require_play(match, event, event.team)
    changes: MatchChanges = {
        "stats": _counted(match.stats, event.team, lambda s: {"saves": s.saves + 1})
    }
    if event.goalkeeper is not None:
        saves = dict(match.keeper_saves)
        saves[event.goalkeeper] = saves.get(event.goalkeeper, 0) + 1
        changes["keeper_saves"] = saves
    return changes


def _show_card(match: MatchState, event: CardShown) -> MatchChanges:
    _require_team(match, event, event.team)
    _require_started(match, event)
    if event.card is CardType.YELLOW:
        return {
            "stats": _counted(
                match.stats, event.team, lambda s: {"yellow_cards": s.yellow_cards + 1}
            )
        }
    stats = match.stats
    if event.card is CardType.SECOND_YELLOW:
        stats = _counted(stats, event.team, lambda s: {"yellow_cards": s.yellow_cards + 1})
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
        "stats": _counted(stats, event.team, lambda s: {"red_cards": s.red_cards + 1}),
    }


def _decide_var(match: MatchState, event: VarReviewDecided) -> MatchChanges:
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
    changes: MatchChanges = {"var_reviews": tuple(reviews)}
    subject = match.event_by_id(event.subject_event_id) if event.subject_event_id else None
    if event.outcome is VarOutcome.OVERTURNED and isinstance(subject, GoalScored):
        changes["stats"] = _counted(
            match.stats, subject.team, lambda s: {"disallowed_goals": s.disallowed_goals + 1}
        )
    return changes


# -- the shootout ------------------------------------------------------------------------


def _take_kick(match: MatchState, event: ShootoutKickTaken) -> MatchChanges:
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
