"""Hudl StatsBomb: events + lineups, with the raw fields kloppy's model leaves out."""

from __future__ import annotations

import json
from pathlib import Path

from kloppy import statsbomb
from kloppy.domain import Event as KloppyEvent
from kloppy.domain import (
    EventDataset,
    FoulCommittedEvent,
    GenericEvent,
    GoalkeeperEvent,
    PassEvent,
    Player,
    ShotEvent,
    Team,
)

from streams.providers import ImportOptions
from streams.providers.feed import Feed, PenaltyAward, printable_name
from streams.providers.files import opened
from tracker.events import PenaltyReason

#: Raw goalkeeper types that are saves but that kloppy does not mark SAVE.
PENALTY_SAVED, SAVE = 29, 31


class StatsBombFeed(Feed):
    provider = "statsbomb"

    def __init__(self, dataset: EventDataset, nicknames: dict[str, str]) -> None:
        self.nicknames = nicknames
        super().__init__(dataset)

    def player_name(self, player: Player | None) -> str | None:
        """The name StatsBomb displays (``player_nickname``, e.g. "Lionel Messi"), else
        the registered name kloppy keeps ("Lionel Andrés Messi Cuccittini")."""
        if player is not None and player.player_id in self.nicknames:
            return printable_name(self.nicknames[player.player_id])
        return super().player_name(player)

    def assist(self, shot: ShotEvent) -> Player | None:
        """The shot's key pass, when StatsBomb marks it a goal assist."""
        key_pass_id = (shot.raw_event.get("shot") or {}).get("key_pass_id")
        key_pass = self.dataset.get_record_by_id(key_pass_id) if key_pass_id else None
        if isinstance(key_pass, PassEvent) and (key_pass.raw_event.get("pass") or {}).get(
            "goal_assist"
        ):
            return key_pass.player
        return None

    def is_save(self, event: KloppyEvent) -> bool:
        """kloppy's saves, plus the raw "Penalty Saved" and "Save" it leaves unmarked."""
        if super().is_save(event):
            return True
        if not isinstance(event, GoalkeeperEvent | GenericEvent):
            return False
        keeper = event.raw_event.get("goalkeeper") or {}
        return (keeper.get("type") or {}).get("id") in (PENALTY_SAVED, SAVE)

    def offside(self, event: KloppyEvent) -> tuple[Team | None, Player | None] | None:
        """A pass played offside, or an "Offside" event (offsides not from a pass)."""
        if isinstance(event, GenericEvent) and event.event_name == "Offside":
            return event.team, event.player
        return super().offside(event)

    def penalty_award(self, event: KloppyEvent) -> PenaltyAward | None:
        """A "Foul Committed" flagged ``penalty``; the "Foul Won" it relates to names the
        player fouled."""
        if not isinstance(event, FoulCommittedEvent) or event.team is None:
            return None
        foul = event.raw_event.get("foul_committed") or {}
        if not foul.get("penalty"):
            return None
        won_by = None
        for related_id in event.raw_event.get("related_events") or ():
            related = self.dataset.get_record_by_id(related_id)
            if related is not None and (related.raw_event.get("foul_won") or {}).get("penalty"):
                won_by = related.player
        is_handball = "hand" in ((foul.get("type") or {}).get("name") or "").lower()
        return PenaltyAward(
            team=self.opponent(event.team),
            reason=PenaltyReason.HANDBALL if is_handball else PenaltyReason.FOUL,
            won_by=won_by,
            conceded_by=event.player,
        )


def _nicknames(lineup: Path) -> dict[str, str]:
    teams = json.loads(lineup.read_bytes())
    return {
        str(player["player_id"]): player["player_nickname"]
        for team in teams
        for player in team["lineup"]
        if player.get("player_nickname")
    }


def load_feed(files: dict[str, Path], options: ImportOptions) -> StatsBombFeed:
    with opened(files) as handles:
        dataset = statsbomb.load(
            event_data=handles["event_data"], lineup_data=handles["lineup_data"]
        )
    return StatsBombFeed(dataset, _nicknames(files["lineup_data"]))
