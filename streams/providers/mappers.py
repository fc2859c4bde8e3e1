"""The mappers: one function per concern, a kloppy event to our drafts (most give none)."""

from __future__ import annotations

from kloppy.domain import Event as KloppyEvent
from kloppy.domain import GenericEvent, SetPieceType, ShotEvent, ShotResult, SubstitutionEvent, Team

from streams.providers.codes import KICK_OUTCOMES, SHOOTOUT
from streams.providers.drafts import (
    CardShownDraft,
    Draft,
    GoalDisallowedDraft,
    GoalScoredDraft,
    OffsideCalledDraft,
    PenaltyAwardedDraft,
    PenaltyMissedDraft,
    SaveMadeDraft,
    ShootoutKickTakenDraft,
    SubstitutionMadeDraft,
)
from streams.providers.feed import Feed
from tracker.events import GoalKind, KickOutcome, PenaltyMissOutcome


def _team(feed: Feed, team: Team | None) -> str | None:
    return feed.team_name(team) if team is not None else None


def goal_or_kick(
    feed: Feed, shot: ShotEvent
) -> ShootoutKickTakenDraft | GoalScoredDraft | PenaltyMissedDraft | None:
    """A shootout kick, a goal (own goals stay with the scorer's team), or a missed penalty."""
    if shot.period.id == SHOOTOUT:
        return ShootoutKickTakenDraft(
            team=_team(feed, shot.team),
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
        return GoalScoredDraft(
            team=_team(feed, shot.team),
            scorer=feed.player_name(shot.player),
            assist=None if is_own_goal else feed.player_name(feed.assist(shot)),
            body_part=body_part,
            kind=kind,
        )
    if set_piece == SetPieceType.PENALTY:
        saved = shot.result == ShotResult.SAVED
        return PenaltyMissedDraft(
            team=_team(feed, shot.team),
            outcome=PenaltyMissOutcome.SAVED if saved else PenaltyMissOutcome.MISSED,
            taker=feed.player_name(shot.player),
            goalkeeper=feed.player_name(feed.goalkeeper_facing(shot)) if saved else None,
        )
    return None


def save(feed: Feed, event: KloppyEvent) -> SaveMadeDraft | None:
    saved = feed.save(event)
    if saved is None:
        return None
    return SaveMadeDraft(
        team=_team(feed, saved.team),
        goalkeeper=feed.player_name(saved.goalkeeper),
        shooter=feed.player_name(saved.shooter),
    )


def cards(feed: Feed, event: KloppyEvent) -> list[CardShownDraft]:
    return [
        CardShownDraft(team=_team(feed, team), card=card, player=feed.player_name(player))
        for card, team, player in feed.cards(event)
    ]


def substitution(feed: Feed, event: KloppyEvent) -> SubstitutionMadeDraft | None:
    if not isinstance(event, SubstitutionEvent):
        return None
    return SubstitutionMadeDraft(
        team=_team(feed, event.team),
        player_off=feed.player_name(event.player),
        player_on=feed.player_name(event.replacement_player),
    )


def offside(feed: Feed, event: KloppyEvent) -> OffsideCalledDraft | None:
    caught = feed.offside(event)
    if caught is None:
        return None
    team, player = caught
    return OffsideCalledDraft(team=_team(feed, team), player=feed.player_name(player))


def penalty_awarded(feed: Feed, event: KloppyEvent) -> PenaltyAwardedDraft | None:
    award = feed.penalty_award(event)
    if award is None:
        return None
    return PenaltyAwardedDraft(
        team=_team(feed, award.team),
        reason=award.reason,
        won_by=feed.player_name(award.won_by),
        conceded_by=feed.player_name(award.conceded_by),
    )


def goal_disallowed(feed: Feed, event: KloppyEvent) -> GoalDisallowedDraft | None:
    ruled_out = feed.goal_disallowed(event)
    if ruled_out is None:
        return None
    players = tuple(name for p in ruled_out.players if (name := feed.player_name(p)))
    return GoalDisallowedDraft(
        team=_team(feed, ruled_out.team), reason=ruled_out.reason, players=players
    )


def mapped(feed: Feed, event: KloppyEvent) -> list[Draft]:
    """Every event of ours that one kloppy event gives (most give none)."""
    found: list[Draft | None] = []
    if isinstance(event, ShotEvent):
        found.append(goal_or_kick(feed, event))
    found.append(save(feed, event))
    found.extend(cards(feed, event))
    found.append(substitution(feed, event))
    found.append(offside(feed, event))
    found.append(penalty_awarded(feed, event))
    found.append(goal_disallowed(feed, event))
    return [draft for draft in found if draft is not None]


def kloppy_type(event: KloppyEvent) -> str:
    if isinstance(event, GenericEvent):
        return f"GENERIC:{event.event_name}"
    return str(event.event_type.value)
