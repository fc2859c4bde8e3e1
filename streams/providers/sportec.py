"""Sportec Solutions (DFL): events + match information; raw attributes kloppy leaves out."""

from __future__ import annotations

from pathlib import Path

from kloppy import sportec
from kloppy.domain import Event as KloppyEvent
from kloppy.domain import GenericEvent, Player, ShotEvent, ShotResult, Team

from streams.providers import ImportOptions
from streams.providers.feed import Disallowal, Feed, Save
from streams.providers.files import opened
from tracker.events import DisallowReason

DISALLOW_REASONS = {
    "offside": DisallowReason.OFFSIDE,
    "handball": DisallowReason.HANDBALL,
    "foul": DisallowReason.FOUL,
}


class SportecFeed(Feed):
    provider = "sportec"

    def _player(self, team: Team | None, player_id: str | None) -> Player | None:
        return team.get_player_by_id(player_id) if team is not None and player_id else None

    def assist(self, shot: ShotEvent) -> Player | None:
        """The raw ``Assist`` attribute of the goal."""
        return self._player(shot.team, shot.raw_event.get("Assist"))

    def save(self, event: KloppyEvent) -> Save | None:
        """kloppy builds no goalkeeper events from Sportec: a ``SavedShot`` is the save, by
        the other side (the keeper is not named)."""
        if isinstance(event, ShotEvent) and event.result == ShotResult.SAVED and event.team:
            return Save(self.opponent(event.team), None, event.player)
        return None

    def offside(self, event: KloppyEvent) -> tuple[Team | None, Player | None] | None:
        """The ``Offside`` event (team = the side caught, player = who was offside)."""
        if isinstance(event, GenericEvent) and event.event_name == "Offside":
            return event.team, event.player
        return None

    def goal_disallowed(self, event: KloppyEvent) -> Disallowal | None:
        """The ``GoalDisallowed`` event and its raw ``Reason``."""
        if not isinstance(event, GenericEvent) or event.event_name != "GoalDisallowed":
            return None
        if event.team is None:
            return None
        reason = str(event.raw_event.get("Reason", "")).lower()
        players = (event.player,) if event.player is not None else ()
        return Disallowal(event.team, DISALLOW_REASONS.get(reason, DisallowReason.OTHER), players)


def load_feed(files: dict[str, Path], options: ImportOptions) -> SportecFeed:
    with opened(files) as handles:
        dataset = sportec.load_event(
            event_data=handles["event_data"], meta_data=handles["meta_data"]
        )
    return SportecFeed(dataset)
