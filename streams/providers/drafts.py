"""Our events as the mappers draft them: what happened, before ids, seq and clock.

A draft carries one event's type and its own fields, named as our events name them;
:mod:`~streams.providers.assembly` gives it ids and a place in the match and validates it
as our event. A field the feed does not give stays None and takes the event's default. A
draft whose feed named too little for our event (no team, no card) says what in
``missing``: it is dropped and counted, not validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from tracker.events import (
    BodyPart,
    CardType,
    DisallowReason,
    GoalKind,
    KickOutcome,
    PenaltyMissOutcome,
    PenaltyReason,
    Period,
)


@dataclass(frozen=True, kw_only=True)
class Draft:
    """One of our events without its ids, seq and clock."""

    type: ClassVar[str]

    def content(self) -> dict[str, object]:
        """The event's type and the fields the draft gives (None: the event's default)."""
        return {"type": self.type, **{k: v for k, v in vars(self).items() if v is not None}}

    def missing(self) -> str | None:
        """What our event needs that the feed did not name, if anything."""
        return None


@dataclass(frozen=True, kw_only=True)
class TeamDraft(Draft):
    team: str | None  # None: the feed names no team

    def missing(self) -> str | None:
        return "team" if self.team is None else None


# -- the match around what happened ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MatchScheduledDraft(Draft):
    type = "match_scheduled"
    home: str
    away: str
    leg: int
    rules: str
    kickoff: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class PeriodStartedDraft(Draft):
    type = "period_started"
    period: Period


@dataclass(frozen=True, kw_only=True)
class PeriodEndedDraft(Draft):
    type = "period_ended"
    period: Period


@dataclass(frozen=True, kw_only=True)
class MatchEndedDraft(Draft):
    type = "match_ended"


# -- what happened: one draft per event a mapper gives ---------------------------------


@dataclass(frozen=True, kw_only=True)
class GoalScoredDraft(TeamDraft):
    type = "goal_scored"
    scorer: str | None = None
    assist: str | None = None
    body_part: BodyPart | None = None
    kind: GoalKind


@dataclass(frozen=True, kw_only=True)
class ShootoutKickTakenDraft(TeamDraft):
    type = "shootout_kick_taken"
    outcome: KickOutcome
    taker: str | None = None


@dataclass(frozen=True, kw_only=True)
class PenaltyMissedDraft(TeamDraft):
    type = "penalty_missed"
    outcome: PenaltyMissOutcome
    taker: str | None = None
    goalkeeper: str | None = None


@dataclass(frozen=True, kw_only=True)
class SaveMadeDraft(TeamDraft):
    type = "save_made"
    goalkeeper: str | None = None
    shooter: str | None = None


@dataclass(frozen=True, kw_only=True)
class CardShownDraft(TeamDraft):
    type = "card_shown"
    card: CardType | None  # None: the feed names no card (kloppy's Opta card without one)
    player: str | None = None

    def missing(self) -> str | None:
        return super().missing() or ("card" if self.card is None else None)


@dataclass(frozen=True, kw_only=True)
class SubstitutionMadeDraft(TeamDraft):
    type = "substitution_made"
    player_off: str | None = None
    player_on: str | None = None


@dataclass(frozen=True, kw_only=True)
class OffsideCalledDraft(TeamDraft):
    type = "offside_called"
    player: str | None = None


@dataclass(frozen=True, kw_only=True)
class PenaltyAwardedDraft(TeamDraft):
    type = "penalty_awarded"
    reason: PenaltyReason
    won_by: str | None = None
    conceded_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class GoalDisallowedDraft(TeamDraft):
    type = "goal_disallowed"
    reason: DisallowReason
    players: tuple[str, ...] = ()
