"""One match as kloppy reads it: :class:`Feed` answers the questions each mapper asks.

:class:`Feed` answers each question (is this shot an own goal, who assisted, is this a
save...) the way kloppy's model answers it; a provider's module subclasses it where its
feed says more, or less, than kloppy's model carries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kloppy.domain import (
    BodyPartQualifier,
    CardEvent,
    EventDataset,
    GoalkeeperActionType,
    GoalkeeperEvent,
    Ground,
    PassEvent,
    PassResult,
    PassType,
    Player,
    SetPieceQualifier,
    SetPieceType,
    ShotEvent,
    ShotResult,
    Team,
)
from kloppy.domain import Event as KloppyEvent

from streams.providers import ProviderError
from streams.providers.codes import BODY_PARTS, CARDS
from streams.providers.drafts import Draft
from tracker.bounds import MAX_NAME_LENGTH
from tracker.events import BodyPart, CardType, DisallowReason, PenaltyReason


@dataclass(frozen=True)
class Happening:
    """One of our events before it has ids and a place: its period, time and draft."""

    period_id: int
    elapsed: timedelta
    draft: Draft


@dataclass(frozen=True)
class PenaltyAward:
    team: Team
    reason: PenaltyReason
    won_by: Player | None = None
    conceded_by: Player | None = None


@dataclass(frozen=True)
class Save:
    team: Team | None
    goalkeeper: Player | None = None
    shooter: Player | None = None


@dataclass(frozen=True)
class Disallowal:
    team: Team
    reason: DisallowReason
    players: tuple[Player, ...] = ()


def qualifier_value(event: KloppyEvent, kind: type[Any]) -> Any:
    qualifiers: list[Any] = event.qualifiers or []
    return next((q.value for q in qualifiers if isinstance(q, kind)), None)


def has_qualifier(event: KloppyEvent, value: Any) -> bool:
    return any(q.value == value for q in event.qualifiers or [])


def nearby(record: KloppyEvent, steps: int, *, before: bool) -> Iterator[KloppyEvent]:
    """Up to ``steps`` records just before (or after) ``record``, nearest first."""
    for _ in range(steps):
        record = record.prev_record if before else record.next_record
        if record is None:
            return
        yield record


def other_sides(record: KloppyEvent, kind: type[KloppyEvent], *, before: bool) -> Player | None:
    """The player of the other side's ``kind`` nearest ``record``, among the three records
    just before (or after) it."""
    return next(
        (
            near.player
            for near in nearby(record, 3, before=before)
            if isinstance(near, kind) and near.team != record.team
        ),
        None,
    )


#: Letters NFKD does not take apart into an ASCII letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "ı": "i"}
)


#: Characters our events' names refuse: control characters (C0, DEL, C1).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable_name(text: str | None) -> str | None:
    """A feed's name as our events take one: runs of white space made one space, control
    characters left out, at most MAX_NAME_LENGTH characters; None when nothing is left."""
    if text is None:
        return None
    name = _CONTROL.sub("", " ".join(text.split()))
    return name[:MAX_NAME_LENGTH].rstrip() or None


def slug(text: str) -> str:
    """``FC København`` -> ``fc-kobenhavn``: lower-case ASCII words joined by hyphens."""
    plain = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    ascii_text = plain.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class Feed:
    """A match as kloppy reads it, and how each of its events maps to ours.

    Every method answers for kloppy's model as it stands; provider modules override
    where their feed needs more (a raw qualifier) or must not be trusted.
    """

    provider = "kloppy"

    def __init__(self, dataset: EventDataset) -> None:
        self.dataset = dataset
        self.notes: list[str] = []
        teams = dataset.metadata.teams
        try:
            self.home = next(t for t in teams if t.ground == Ground.HOME)
            self.away = next(t for t in teams if t.ground == Ground.AWAY)
        except StopIteration:
            raise ProviderError(f"{self.provider}: the feed names no home and away team") from None
        for team in (self.home, self.away):
            if not self.team_name(team):
                raise ProviderError(f"{self.provider}: team {team.team_id!r} has no name")

    # identity and schedule

    def match_id(self) -> str:
        game_id = self.dataset.metadata.game_id
        if game_id:
            return f"{self.provider}-{slug(str(game_id))}"
        return (
            f"{self.provider}-{slug(self.team_name(self.home))}-{slug(self.team_name(self.away))}"
        )

    def kickoff(self) -> datetime | None:
        """The first half's kick-off, when the feed's periods are absolute times."""
        first = self.dataset.metadata.periods[0].start_timestamp
        return first if isinstance(first, datetime) else None

    def feed_score(self) -> tuple[int, int] | None:
        score = self.dataset.metadata.score
        if score is None or not isinstance(score.home, int) or not isinstance(score.away, int):
            return None
        return score.home, score.away

    # names

    def team_name(self, team: Team) -> str:
        return printable_name(team.name) or ""

    def player_name(self, player: Player | None) -> str | None:
        return printable_name(player.full_name) if player is not None else None

    # the clock

    def elapsed(self, event: KloppyEvent) -> timedelta:
        """Time into the event's period."""
        timestamp: timedelta = event.timestamp
        return timestamp

    # goals and shots

    def is_own_goal(self, shot: ShotEvent) -> bool:
        return bool(shot.result == ShotResult.OWN_GOAL)

    def is_goal(self, shot: ShotEvent) -> bool:
        return shot.result == ShotResult.GOAL or self.is_own_goal(shot)

    def body_part(self, shot: ShotEvent) -> BodyPart | None:
        return BODY_PARTS.get(qualifier_value(shot, BodyPartQualifier))

    def set_piece(self, shot: ShotEvent) -> SetPieceType | None:
        value: SetPieceType | None = qualifier_value(shot, SetPieceQualifier)
        return value

    def assist(self, shot: ShotEvent) -> Player | None:
        """The passer kloppy marks as the assist, among the shot's team's last passes."""
        for record in nearby(shot, 10, before=True):
            if isinstance(record, ShotEvent):
                return None
            if (
                isinstance(record, PassEvent)
                and record.team == shot.team
                and has_qualifier(record, PassType.ASSIST)
            ):
                return record.player
        return None

    def goalkeeper_facing(self, shot: ShotEvent) -> Player | None:
        """The keeper who faced a penalty: the next goalkeeper action of the other side."""
        return other_sides(shot, GoalkeeperEvent, before=False)

    # saves

    def save(self, event: KloppyEvent) -> Save | None:
        """A goalkeeper action kloppy marks SAVE; its shooter from the shot before it."""
        if not self.is_save(event):
            return None
        return Save(event.team, event.player, self.shooter(event))

    def is_save(self, event: KloppyEvent) -> bool:
        return isinstance(event, GoalkeeperEvent) and has_qualifier(
            event, GoalkeeperActionType.SAVE
        )

    def shooter(self, save: KloppyEvent) -> Player | None:
        """The player whose shot was saved: the other side's shot just before the save."""
        return other_sides(save, ShotEvent, before=True)

    # discipline, changes, offsides, penalties

    def cards(self, event: KloppyEvent) -> list[tuple[CardType | None, Team | None, Player | None]]:
        if isinstance(event, CardEvent):
            return [(CARDS.get(event.card_type), event.team, event.player)]
        return []

    def offside(self, event: KloppyEvent) -> tuple[Team | None, Player | None] | None:
        """The attacking side caught offside (and the player, where the feed names one)."""
        if isinstance(event, PassEvent) and event.result == PassResult.OFFSIDE:
            return event.team, event.receiver_player
        return None

    def penalty_award(self, event: KloppyEvent) -> PenaltyAward | None:
        return None

    def goal_disallowed(self, event: KloppyEvent) -> Disallowal | None:
        return None

    def extra_happenings(self) -> Iterable[Happening]:
        """Facts of the raw feed that kloppy's model leaves out."""
        return ()

    # helpers for the concerns

    def opponent(self, team: Team) -> Team:
        return self.away if team == self.home else self.home
