"""Notable changes between two tie states, each with a short text a fan can read."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from tracker.events import (
    CardShown,
    CardType,
    GoalDisallowed,
    GoalKind,
    MatchEnded,
    MatchEvent,
    PenaltyAwarded,
    PenaltyMissed,
    Period,
    PeriodEnded,
    PeriodStarted,
    ShootoutKickTaken,
    cancelled_event_id,
    clock_text,
)
from tracker.standing import lacks_first_leg
from tracker.state import Goal, MatchState, Reason, TieState, trusted


class MomentKind(StrEnum):
    GOAL = "goal"
    GOAL_DISALLOWED = "goal_disallowed"
    GOAL_CANCELLED = "goal_cancelled"
    PENALTY_AWARDED = "penalty_awarded"
    PENALTY_MISSED = "penalty_missed"
    RED_CARD = "red_card"
    SHOOTOUT_KICK = "shootout_kick"
    LEAD_CHANGE = "lead_change"
    AGGREGATE_LEVELLED = "aggregate_levelled"
    ADVANCING_CHANGED = "advancing_changed"
    PERIOD_STARTED = "period_started"
    PERIOD_ENDED = "period_ended"
    FULL_TIME = "full_time"
    TIE_DECIDED = "tie_decided"


class Moment(BaseModel):
    """One notable change, published on the `moments` topic.

    ``id`` comes from the event and the kind of change (and the goal, for goal moments), so a
    moment published twice, e.g. after a worker re-folded the log, is recognisably the same.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tie_id: str
    match_id: str
    event_id: str
    version: int
    kind: MomentKind
    period: Period | None
    minute: int | None
    added_minute: int | None
    team: str | None = None
    text: str


_PERIOD_START = {
    Period.FIRST_HALF: "Kick-off",
    Period.SECOND_HALF: "Second half under way",
    Period.EXTRA_TIME_FIRST_HALF: "Extra time under way",
    Period.EXTRA_TIME_SECOND_HALF: "Second half of extra time under way",
    Period.PENALTY_SHOOTOUT: "Penalty shootout under way",
}
_PERIOD_END = {
    Period.FIRST_HALF: "Half-time",
    Period.SECOND_HALF: "End of normal time",
    Period.EXTRA_TIME_FIRST_HALF: "Half-time in extra time",
    Period.EXTRA_TIME_SECOND_HALF: "End of extra time",
    Period.PENALTY_SHOOTOUT: "End of the shootout",
}


def short_name(player: str) -> str:
    """How a report names a player in a headline: the surname (``Federico Redondo`` ->
    ``Redondo``)."""
    return player.split()[-1]


def score_text(match: MatchState) -> str:
    """``Inter Miami 2-1 LAFC``: the score on the night, home side first."""
    return f"{match.home} {match.score[match.home]}-{match.score[match.away]} {match.away}"


def aggregate_text(tie: TieState, match: MatchState) -> str:
    """``2-2 on aggregate``, counted from ``match``'s home side as a scoreboard shows it."""
    return f"{tie.aggregate[match.home]}-{tie.aggregate[match.away]} on aggregate"


def standing_text(tie: TieState) -> str:
    """Who goes through if the tie ended now, and why: ``LAFC through on away goals``."""
    if tie.rules is None or not tie.rules.is_knockout:
        return ""
    if lacks_first_leg(tie.rules, tie.legs):
        return "leg 1 not received: who goes through is not known"
    decider = next((leg for leg in tie.legs if leg.leg == tie.rules.legs), None)
    if tie.winner is not None:
        if tie.reason is Reason.PENALTIES and decider and decider.shootout:
            kicks = decider.shootout.score
            return (
                f"{tie.winner} through on penalties ({kicks[decider.home]}-{kicks[decider.away]})"
            )
        return f"{tie.winner} through" + (
            " on away goals" if tie.reason is Reason.AWAY_GOALS else ""
        )
    match tie.reason:
        case Reason.AGGREGATE:
            return f"{tie.advancing} through"
        case Reason.AWAY_GOALS:
            return f"{tie.advancing} through on away goals"
        case Reason.EXTRA_TIME:
            return "level, extra time to come"
        case Reason.PENALTIES if decider is not None and decider.shootout is not None:
            kicks = decider.shootout.score
            tally = f"({kicks[decider.home]}-{kicks[decider.away]})"
            if tie.advancing is not None:
                return f"{tie.advancing} ahead on penalties {tally}"
            if not decider.shootout.kicks:
                return "level, penalty shootout under way"
            return f"level in the shootout {tally}"
        case Reason.PENALTIES:
            return "level, penalties to come"
        case _:
            return "level"


def _headline(tie: TieState, match: MatchState) -> str:
    """``2-1, 2-2 on aggregate, LAFC through on away goals`` (the parts that apply)."""
    parts = [f"{match.score[match.home]}-{match.score[match.away]}"]
    if len(tie.teams) == 2 and tie.rules is not None and tie.rules.legs == 2:
        parts.append(aggregate_text(tie, match))
    standing = standing_text(tie)
    if standing:
        parts.append(standing)
    return ", ".join(parts)


def _goal_text(goal: Goal) -> str:
    name = short_name(goal.scorer) if goal.scorer else f"{goal.team} goal"
    suffix = {GoalKind.PENALTY: " (pen.)", GoalKind.OWN_GOAL: " (o.g.)"}.get(goal.kind, "")
    return f"{name}{suffix}"


def _leader(match: MatchState | None) -> str | None:
    if match is None or match.score[match.home] == match.score[match.away]:
        return None
    return match.home if match.score[match.home] > match.score[match.away] else match.away


#: The events that are a moment by themselves (some only in some forms: a red card, not a
#: yellow one, see `_is_told_by_type`); a frozenset tested with ``type(event) in``, not
#: ``isinstance`` (see tracker.events).
_TOLD_BY_TYPE = frozenset(
    (
        GoalDisallowed,
        PenaltyAwarded,
        PenaltyMissed,
        CardShown,
        ShootoutKickTaken,
        PeriodStarted,
        PeriodEnded,
        MatchEnded,
    )
)


def moments(before: TieState, after: TieState, event: MatchEvent) -> list[Moment]:
    """The notable changes ``event`` made from ``before`` to ``after``, in reading order."""
    if after.version == before.version:
        return []
    match = after.leg_for_match(event.match_id)
    old = before.leg_for_match(event.match_id)
    if match is None or _tells_nothing(before, after, match, old, event):
        return []
    return all_moments(before, after, event)


def _tells_nothing(
    before: TieState, after: TieState, match: MatchState, old: MatchState | None, event: MatchEvent
) -> bool:
    """True for most events (a save, an offside, a substitution): not a moment by its type,
    and nothing a moment reads changed (the fold keeps an unchanged field as the same
    object). Working every moment out for them was a sixth of a worker folding a backlog;
    `all_moments` gives the same answer, slower (a property test holds them together)."""
    return (
        old is not None
        and not _is_told_by_type(event)
        and match.goals is old.goals
        and match.score is old.score
        and after.aggregate is before.aggregate
        and after.advancing == before.advancing
        and after.reason == before.reason
        and after.winner == before.winner
    )


def _is_told_by_type(event: MatchEvent) -> bool:
    if type(event) is CardShown:  # a sixth of a match's events, and most of them yellow
        return event.card is not _YELLOW
    return type(event) in _TOLD_BY_TYPE


_YELLOW = CardType.YELLOW  # bound once: see `tracker.events` on reading a member


def all_moments(before: TieState, after: TieState, event: MatchEvent) -> list[Moment]:
    """:func:`moments`, every kind of change worked out whatever the event."""
    if after.version == before.version:
        return []
    match = after.leg_for_match(event.match_id)
    if match is None or any(held.event_id == event.event_id for held in match.held):
        return []  # a held event changes nothing a fan sees until its gap fills
    old = before.leg_for_match(event.match_id)
    clock = clock_text(event.minute, event.added_minute)
    at = f"{clock} " if clock else ""
    found: list[tuple[MomentKind, str | None, str, str]] = []

    def add(kind: MomentKind, team: str | None, text: str, about: str = "") -> None:
        found.append((kind, team, text, about))

    old_goals = {goal.event_id for goal in old.goals} if old else set()
    for goal in match.goals:
        if goal.event_id not in old_goals:
            text = f"{at}{_goal_text(goal)}: {_headline(after, match)}"
            add(MomentKind.GOAL, goal.team, text, goal.event_id)
    new_goals = {goal.event_id for goal in match.goals}
    for goal in old.goals if old else ():
        if goal.event_id not in new_goals:
            why = "ruled out" if cancelled_event_id(event) == goal.event_id else "removed"
            text = f"{at}{_goal_text(goal)} goal {why}: {_headline(after, match)}"
            add(MomentKind.GOAL_CANCELLED, goal.team, text, goal.event_id)
    match event:
        case GoalDisallowed(goal_event_id=None):
            who = short_name(event.players[0]) if event.players else event.team
            add(
                MomentKind.GOAL_DISALLOWED,
                event.team,
                f"{at}{who} ({event.team}) goal ruled out for {event.reason}: "
                f"{_headline(after, match)}",
            )
        case PenaltyAwarded():
            won = f", won by {short_name(event.won_by)}" if event.won_by else ""
            add(
                MomentKind.PENALTY_AWARDED,
                event.team,
                f"{at}Penalty to {event.team} ({event.reason}){won}",
            )
        case PenaltyMissed():
            taker = f"{short_name(event.taker)} " if event.taker else f"{event.team} "
            add(MomentKind.PENALTY_MISSED, event.team, f"{at}{taker}penalty {event.outcome}")
        case CardShown(card=CardType.RED | CardType.SECOND_YELLOW):
            who = event.player or "a player"
            card = "second yellow" if event.card is CardType.SECOND_YELLOW else "red card"
            add(MomentKind.RED_CARD, event.team, f"{at}{who} ({event.team}) sent off, {card}")
        case ShootoutKickTaken() if match.shootout is not None:
            taker = f"{short_name(event.taker)} ({event.team})" if event.taker else event.team
            kicks = match.shootout.score
            add(
                MomentKind.SHOOTOUT_KICK,
                event.team,
                f"Shootout: {taker} {event.outcome}, "
                f"{match.home} {kicks[match.home]}-{kicks[match.away]} {match.away}",
            )
        case PeriodStarted():
            add(MomentKind.PERIOD_STARTED, None, f"{at}{_PERIOD_START[event.period]}")
        case PeriodEnded():
            add(
                MomentKind.PERIOD_ENDED,
                None,
                f"{at}{_PERIOD_END[event.period]}: {score_text(match)}",
            )
        case MatchEnded():
            extra = f" ({aggregate_text(after, match)})" if len(after.legs) == 2 else ""
            add(MomentKind.FULL_TIME, None, f"Full time: {score_text(match)}{extra}")
        case _:
            pass

    leader = _leader(match)
    if leader is not None and leader != _leader(old):
        score = f"{match.score[leader]}-{match.score[match.opponent(leader)]}"
        add(MomentKind.LEAD_CHANGE, leader, f"{at}{leader} lead {score} on the night")
    if after.rules is not None and after.rules.legs == 2 and len(after.teams) == 2:
        first, second = after.teams
        was_level = before.aggregate.get(first) == before.aggregate.get(second)
        if after.aggregate[first] == after.aggregate[second] and not was_level:
            level = after.aggregate[first]
            add(MomentKind.AGGREGATE_LEVELLED, None, f"{at}Level on aggregate at {level}-{level}")
    is_open_knockout = after.rules is not None and after.rules.is_knockout and after.winner is None
    changed = (after.advancing, after.reason) != (before.advancing, before.reason)
    if is_open_knockout and changed and before.legs:
        add(MomentKind.ADVANCING_CHANGED, after.advancing, f"{at}Now: {standing_text(after)}")
    if after.winner is not None and before.winner is None:
        decided = standing_text(after).replace(" through", " go through", 1)
        if len(after.legs) == 2:
            decided += f", {aggregate_text(after, match)}"
        add(MomentKind.TIE_DECIDED, after.winner, decided)

    # Every value comes from the validated event and states, so not validated again.
    return [
        trusted(
            Moment,
            {
                "id": f"{event.event_id}:{kind}"
                + (f":{about}" if about not in ("", event.event_id) else ""),
                "tie_id": after.tie_id,
                "match_id": event.match_id,
                "event_id": event.event_id,
                "version": after.version,
                "kind": kind,
                "period": event.period,
                "minute": event.minute,
                "added_minute": event.added_minute,
                "team": team,
                "text": text,
            },
        )
        for kind, team, text, about in found
    ]
