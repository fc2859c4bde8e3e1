"""Who goes through if the tie ended now, why, and what the other side needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tracker.events import Period
from tracker.rules import TieRules
from tracker.state import Leg, Reason, Status

# Bound once: a member read off its class (``Status.FINISHED``) goes through the enum class's
# ``__getattr__`` on Python 3.11 (see `tracker.events`; 186 ns a read, 15 ns for a global),
# and the standing reads about five of them each time a goal or a period changes it.
_SCHEDULED = Status.SCHEDULED
_LIVE = Status.LIVE
_FINISHED = Status.FINISHED
_SHOOTOUT = Period.PENALTY_SHOOTOUT


class Standing(NamedTuple):
    status: Status
    aggregate: dict[str, int]
    away_goals: dict[str, int] | None
    advancing: str | None
    reason: Reason | None
    goals_needed: dict[str, int]
    winner: str | None


def _counts_as_away_goal(rules: TieRules, period: Period | None) -> bool:
    if period is None or period.is_regulation:
        return True
    return period.is_extra_time and rules.away_goals_in_extra_time


def _away_goals(rules: TieRules, teams: Sequence[str], legs: Sequence[Leg]) -> dict[str, int]:
    away = dict.fromkeys(teams, 0)
    for leg in legs:
        for goal in leg.goals:
            if goal.team == leg.away and _counts_as_away_goal(rules, goal.period):
                away[goal.team] += 1
    return away


def _leader(
    rules: TieRules,
    teams: Sequence[str],
    aggregate: dict[str, int],
    away_goals: dict[str, int] | None,
) -> tuple[str | None, Reason | None]:
    """The side ahead on aggregate, then on away goals; (None, None) when level on both."""
    first, second = teams
    if aggregate[first] != aggregate[second]:
        return (first if aggregate[first] > aggregate[second] else second), Reason.AGGREGATE
    if away_goals is not None and away_goals[first] != away_goals[second]:
        return (first if away_goals[first] > away_goals[second] else second), Reason.AWAY_GOALS
    return None, None


def _when_level(rules: TieRules, decider: Leg | None) -> tuple[str | None, Reason]:
    """Advancing side and reason of a tie level on aggregate (and away goals)."""
    if decider is None or decider.status is _SCHEDULED:
        return None, Reason.LEVEL
    shootout = decider.shootout
    if shootout is not None:  # under way: only the kicks decide now
        first, second = decider.teams
        home_kicks, away_kicks = shootout.score[first], shootout.score[second]
        if shootout.winner is not None:
            return shootout.winner, Reason.PENALTIES
        if home_kicks != away_kicks:
            return (first if home_kicks > away_kicks else second), Reason.PENALTIES
        return None, Reason.PENALTIES
    in_extra_time = decider.period is not None and decider.period.is_extra_time
    if rules.extra_time and not in_extra_time:
        return None, Reason.EXTRA_TIME
    if rules.penalties:
        return None, Reason.PENALTIES
    return None, Reason.LEVEL


def _current_leg_teams(
    teams: Sequence[str], legs: Sequence[Leg], rules: TieRules
) -> tuple[Leg | None, str]:
    """The leg being played or next to be played, and its away team."""
    by_number = {leg.leg: leg for leg in legs}
    for number in range(1, rules.legs + 1):
        leg = by_number.get(number)
        if leg is None or leg.status is not _FINISHED:
            away = leg.away if leg is not None else teams[1 if number == 1 else 0]
            return leg, away
    last = by_number[rules.legs]
    return last, last.away


def _goals_needed(
    rules: TieRules,
    teams: Sequence[str],
    legs: Sequence[Leg],
    aggregate: dict[str, int],
    away_goals: dict[str, int] | None,
    advancing: str | None,
) -> dict[str, int]:
    """Fewest goals each side not going through needs, in the current leg, to go through
    outright (on aggregate or away goals, without extra time or penalties): one more than
    its deficit on aggregate, or the deficit alone when those goals level the aggregate and
    leave it ahead on away goals."""
    leg, away_team = _current_leg_teams(teams, legs, rules)
    period = leg.period if leg is not None else None
    is_away_goal = away_goals is not None and _counts_as_away_goal(rules, period)
    needed: dict[str, int] = {}
    first, second = teams
    for team, other in ((first, second), (second, first)):
        if team == advancing:
            continue
        deficit = aggregate[other] - aggregate[team]  # not below 0: else it would be advancing
        if deficit > 0 and away_goals is not None:
            away = away_goals[team] + (deficit if is_away_goal and team == away_team else 0)
            if away > away_goals[other]:
                needed[team] = deficit
                continue
        needed[team] = deficit + 1
    return needed


def lacks_first_leg(rules: TieRules, legs: Sequence[Leg]) -> bool:
    """A two-legged tie followed from its second leg: leg 1 never scheduled here. What was
    scored in it is unknown, so nothing that depends on the aggregate can be judged."""
    return rules.legs == 2 and bool(legs) and 1 not in [leg.leg for leg in legs]


def standing(rules: TieRules, teams: Sequence[str], legs: Sequence[Leg]) -> Standing:
    """The tie's derived fields from its legs, as if it ended now. Without its first leg a
    two-legged tie has no side through and no winner, and is never finished."""
    # One pass over the legs (one or two): the standing is asked at every goal and period
    # change, and a generator for each question below took a twentieth of a season's replay.
    aggregate = dict.fromkeys(teams, 0)
    started = False
    finished = 0
    decider = None
    has_first_leg = False
    for leg in legs:
        for team, goals in leg.score.items():
            aggregate[team] += goals
        status = leg.status
        if status is not _SCHEDULED:
            started = True
            if status is _FINISHED:
                finished += 1
        if leg.leg == rules.legs:
            decider = leg
        if leg.leg == 1:
            has_first_leg = True
    away_goals = _away_goals(rules, teams, legs) if rules.away_goals and rules.legs == 2 else None
    ongoing = _LIVE if started else _SCHEDULED
    if not has_first_leg and legs and rules.legs == 2:
        return Standing(ongoing, aggregate, away_goals, None, None, {}, None)
    # The tie is over when every leg is: with legs interleaved, leg 2 may end first.
    decider_done = len(legs) == rules.legs and finished == len(legs)
    is_shootout = decider is not None and decider.period is _SHOOTOUT

    if not rules.is_knockout:
        status = _FINISHED if decider_done else ongoing
        return Standing(status, aggregate, away_goals, None, None, {}, None)

    advancing, reason = _leader(rules, teams, aggregate, away_goals)
    if advancing is None:
        advancing, reason = _when_level(rules, decider)
    shootout_winner = decider.shootout.winner if decider and decider.shootout else None
    winner = shootout_winner or (advancing if decider_done else None)
    status = _FINISHED if winner is not None or decider_done else ongoing
    needed: dict[str, int] = {}
    if status is not _FINISHED and not is_shootout:
        needed = _goals_needed(rules, teams, legs, aggregate, away_goals, advancing)
    return Standing(status, aggregate, away_goals, advancing, reason, needed, winner)


def unearned_tie_break(rules: TieRules, teams: Sequence[str], legs: Sequence[Leg]) -> str | None:
    """Why the deciding leg's extra time or shootout should never have been played (the tie
    was decided before it, on aggregate or on away goals), or None."""
    decider = None
    has_first_leg = False
    earlier_unfinished = False
    for leg in legs:  # a loop, not next(generator): asked at every goal of a knockout tie
        if leg.leg == rules.legs:
            decider = leg
        elif leg.status is not _FINISHED:
            earlier_unfinished = True
        if leg.leg == 1:
            has_first_leg = True
    if decider is None or decider.period is None:
        return None
    if earlier_unfinished or (rules.legs == 2 and not has_first_leg):
        # Leg 1 unknown, or not over (received after leg 2): the feed's extra time and
        # shootout are taken as sent, and judged once leg 1 has finished.
        return None
    in_shootout = decider.shootout is not None
    if not (decider.period.is_extra_time or in_shootout):
        return None
    leader, reason = _leader_counting(rules, teams, legs, extra_time=False)
    if leader is not None:
        return f"{decider.period} although {leader} were through {_on(reason)} after 90 minutes"
    if in_shootout and rules.extra_time:
        leader, reason = _leader_counting(rules, teams, legs, extra_time=True)
        if leader is not None:
            return f"a shootout although {leader} were through {_on(reason)} after extra time"
    return None


def _on(reason: Reason | None) -> str:
    return "on away goals" if reason is Reason.AWAY_GOALS else "on aggregate"


def _leader_counting(
    rules: TieRules, teams: Sequence[str], legs: Sequence[Leg], *, extra_time: bool
) -> tuple[str | None, Reason | None]:
    """The side ahead counting goals of regulation time (and of extra time if asked)."""
    aggregate = dict.fromkeys(teams, 0)
    away = dict.fromkeys(teams, 0)
    for leg in legs:
        for goal in leg.goals:
            if goal.period is _SHOOTOUT or (goal.period.is_extra_time and not extra_time):
                continue
            aggregate[goal.team] += 1
            if goal.team == leg.away and _counts_as_away_goal(rules, goal.period):
                away[goal.team] += 1
    away_goals = away if rules.away_goals and rules.legs == 2 else None
    return _leader(rules, teams, aggregate, away_goals)
