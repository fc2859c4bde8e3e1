"""The mappers: one function per concern, kloppy event -> our event fields (most give none)."""

from __future__ import annotations

from typing import Any

from kloppy.domain import Event as KloppyEvent
from kloppy.domain import GenericEvent, SetPieceType, ShotEvent, ShotResult, SubstitutionEvent, Team

from streams.providers.codes import KICK_OUTCOMES, SHOOTOUT
from streams.providers.feed import Feed
from tracker.events import GoalKind, KickOutcome, PenaltyMissOutcome


def _team_fields(feed: Feed, type_: str, team: Team | None, **fields: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "team": feed.team_name(team) if team is not None else None,
        **fields,
    }


def goal_or_kick(feed: Feed, shot: ShotEvent) -> dict[str, Any] | None:
    """A shootout kick, a goal (own goals stay with the scorer's team), or a missed penalty."""
    if shot.period.id == SHOOTOUT:
        return _team_fields(
            feed,
            "shootout_kick_taken",
            shot.team,
            outcome=KICK_OUTCOMES.get(shot.result, KickOutcome.MISSED),
            taker=feed.player_name(shot.player),
        )
    set_piece = feed.set_piece(shot)
    if feed.is_goal(shot):
        is_own_goal = feed.is_own_goal(shot)
        body_part = feed.body_part(shot)
        if is_own_goal:
            kind = GoalKind.OWN_GOAL
        elif set_piece == SetPieceType.PENALTY:
            kind = GoalKind.PENALTY
        elif set_piece == SetPieceType.FREE_KICK:
            kind = GoalKind.FREE_KICK
        else:  # a header is open play with body_part head
            kind = GoalKind.OPEN_PLAY
        return _team_fields(
            feed,
            "goal_scored",
            shot.team,
            scorer=feed.player_name(shot.player),
            assist=None if is_own_goal else feed.player_name(feed.assist(shot)),
            body_part=body_part,
            kind=kind,
        )
    if set_piece == SetPieceType.PENALTY:
        saved = shot.result == ShotResult.SAVED
        return _team_fields(
            feed,
            "penalty_missed",
            shot.team,
            outcome=PenaltyMissOutcome.SAVED if saved else PenaltyMissOutcome.MISSED,
            taker=feed.player_name(shot.player),
            goalkeeper=feed.player_name(feed.goalkeeper_facing(shot)) if saved else None,
        )
    return None


def save(feed: Feed, event: KloppyEvent) -> dict[str, Any] | None:
    saved = feed.save(event)
    if saved is None:
        return None
    return _team_fields(
        feed,
        "save_made",
        saved.team,
        goalkeeper=feed.player_name(saved.goalkeeper),
        shooter=feed.player_name(saved.shooter),
    )


def cards(feed: Feed, event: KloppyEvent) -> list[dict[str, Any]]:
    return [
        _team_fields(feed, "card_shown", team, card=card, player=feed.player_name(player))
        for card, team, player in feed.cards(event)
    ]


def substitution(feed: Feed, event: KloppyEvent) -> dict[str, Any] | None:
    if not isinstance(event, SubstitutionEvent):
        return None
    return _team_fields(
        feed,
        "substitution_made",
        event.team,
        player_off=feed.player_name(event.player),
        player_on=feed.player_name(event.replacement_player),
    )


def offside(feed: Feed, event: KloppyEvent) -> dict[str, Any] | None:
    caught = feed.offside(event)
    if caught is None:
        return None
    team, player = caught
    return _team_fields(feed, "offside_called", team, player=feed.player_name(player))


def penalty_awarded(feed: Feed, event: KloppyEvent) -> dict[str, Any] | None:
    award = feed.penalty_award(event)
    if award is None:
        return None
    return _team_fields(
        feed,
        "penalty_awarded",
        award.team,
        reason=award.reason,
        won_by=feed.player_name(award.won_by),
        conceded_by=feed.player_name(award.conceded_by),
    )


def goal_disallowed(feed: Feed, event: KloppyEvent) -> dict[str, Any] | None:
    ruled_out = feed.goal_disallowed(event)
    if ruled_out is None:
        return None
    players = tuple(name for p in ruled_out.players if (name := feed.player_name(p)))
    return _team_fields(
        feed, "goal_disallowed", ruled_out.team, reason=ruled_out.reason, players=players
    )


def mapped(feed: Feed, event: KloppyEvent) -> list[dict[str, Any]]:
    """Every event of ours that one kloppy event gives (most give none)."""
    found: list[dict[str, Any] | None] = []
    if isinstance(event, ShotEvent):
        found.append(goal_or_kick(feed, event))
    found.append(save(feed, event))
    found.extend(cards(feed, event))
    found.append(substitution(feed, event))
    found.append(offside(feed, event))
    found.append(penalty_awarded(feed, event))
    found.append(goal_disallowed(feed, event))
    return [fields for fields in found if fields is not None]


def kloppy_type(event: KloppyEvent) -> str:
    if isinstance(event, GenericEvent):
        return f"GENERIC:{event.event_name}"
    return str(event.event_type.value)
