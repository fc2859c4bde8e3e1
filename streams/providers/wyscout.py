"""Wyscout v2 and v3: one JSON file; the raw facts kloppy's model drops are read from it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kloppy import wyscout
from kloppy.domain import BodyPart as KloppyBodyPart
from kloppy.domain import (
    BodyPartQualifier,
    EventDataset,
    FoulCommittedEvent,
    GenericEvent,
    Player,
    ShotEvent,
    Team,
)
from kloppy.domain import Event as KloppyEvent

from streams.providers import ImportOptions, ProviderError
from streams.providers.drafts import OffsideCalledDraft, SubstitutionMadeDraft
from streams.providers.feed import Feed, Happening, qualifier_value
from streams.providers.files import opened
from tracker.events import BodyPart, CardType

VERSIONS = ("V2", "V3")
PERIOD_IDS = {"1H": 1, "2H": 2, "E1": 3, "E2": 4, "P": 5}
V2_OFFSIDE = 6  # eventName of a v2 offside
V2_OWN_GOAL_TAG = 102


class WyscoutFeed(Feed):
    provider = "wyscout"

    def __init__(self, dataset: EventDataset, raw: dict[str, Any]) -> None:
        self.raw = raw
        super().__init__(dataset)

    def kickoff(self) -> datetime | None:
        date = self.dataset.metadata.date
        return date if isinstance(date, datetime) else None

    def body_part(self, shot: ShotEvent) -> BodyPart | None:
        """Wyscout codes "head or other body part" as one: that stays unknown (kloppy reads
        it as HEAD_OTHER in v2 and as HEAD in v3)."""
        if qualifier_value(shot, BodyPartQualifier) == KloppyBodyPart.HEAD_OTHER:
            return None
        return super().body_part(shot)

    def team_by_id(self, team_id: Any) -> Team | None:
        return next((t for t in (self.home, self.away) if t.team_id == str(team_id)), None)

    def player_by_id(self, team: Team | None, player_id: Any) -> Player | None:
        if team is None or player_id in (None, 0):
            return None
        return team.get_player_by_id(str(player_id))


class WyscoutV2Feed(WyscoutFeed):
    def __init__(self, dataset: EventDataset, raw: dict[str, Any]) -> None:
        super().__init__(dataset, raw)
        self.notes.append("Wyscout v2 has no substitution events: none imported")
        self.notes.append("Wyscout v2 names no home side: kloppy's home is the first team listed")

    def is_own_goal(self, shot: ShotEvent) -> bool:
        """kloppy ignores the own-goal tag (102); it is read from the raw event here."""
        tags = shot.raw_event.get("tags") or []
        return super().is_own_goal(shot) or any(t.get("id") == V2_OWN_GOAL_TAG for t in tags)

    def offside(self, event: KloppyEvent) -> tuple[Team | None, Player | None] | None:
        """Not from kloppy's offside passes: kloppy merges the raw offside events into the
        pass before them and drops those after a duel; the raw events are read instead."""
        return None

    def extra_happenings(self) -> Iterable[Happening]:
        for raw in self.raw.get("events", []):
            if raw.get("eventName") != V2_OFFSIDE or raw.get("matchPeriod") not in PERIOD_IDS:
                continue
            team = self.team_by_id(raw.get("teamId"))
            player = self.player_by_id(team, raw.get("playerId"))
            yield Happening(
                PERIOD_IDS[raw["matchPeriod"]],
                timedelta(seconds=float(raw.get("eventSec", 0))),
                OffsideCalledDraft(
                    team=self.team_name(team) if team else None,
                    player=self.player_name(player),
                ),
            )


class WyscoutV3Feed(WyscoutFeed):
    def cards(self, event: KloppyEvent) -> list[tuple[CardType | None, Team | None, Player | None]]:
        """kloppy builds no card for a foul that carries one: read ``infraction`` here."""
        if isinstance(event, FoulCommittedEvent):
            infraction = event.raw_event.get("infraction") or {}
            if infraction.get("redCard"):
                return [(CardType.RED, event.team, event.player)]
            if infraction.get("yellowCard"):
                return [(CardType.YELLOW, event.team, event.player)]
            return []
        return super().cards(event)

    def offside(self, event: KloppyEvent) -> tuple[Team | None, Player | None] | None:
        """The raw ``offside`` event (the side and player caught); the pass kloppy marks
        OFFSIDE just before it is the same offside and is not counted again."""
        if isinstance(event, GenericEvent) and event.event_name == "offside":
            return event.team, event.player
        return None

    def feed_score(self) -> tuple[int, int] | None:
        """kloppy reads no score; ``match.teamsData[team].score`` is the final score."""
        teams = (self.raw.get("match") or {}).get("teamsData") or {}
        try:
            return int(teams[self.home.team_id]["score"]), int(teams[self.away.team_id]["score"])
        except (KeyError, TypeError, ValueError):
            return None

    def extra_happenings(self) -> Iterable[Happening]:
        """kloppy builds no substitutions from v3: the top-level ``substitutions`` block,
        team -> period -> second of the period -> players in and out, is read here."""
        paired_by_order = 0
        for team_id, periods in sorted((self.raw.get("substitutions") or {}).items()):
            team = self.team_by_id(team_id)
            for period, moments in periods.items():
                if period not in PERIOD_IDS:
                    continue
                for second, change in sorted(moments.items(), key=lambda m: float(m[0])):
                    ins, outs = change.get("in") or [], change.get("out") or []
                    if max(len(ins), len(outs)) > 1:
                        paired_by_order += 1
                    for index in range(max(len(ins), len(outs))):
                        on = ins[index]["playerId"] if index < len(ins) else None
                        off = outs[index]["playerId"] if index < len(outs) else None
                        yield Happening(
                            PERIOD_IDS[period],
                            timedelta(seconds=float(second)),
                            SubstitutionMadeDraft(
                                team=self.team_name(team) if team else None,
                                player_off=self.player_name(self.player_by_id(team, off)),
                                player_on=self.player_name(self.player_by_id(team, on)),
                            ),
                        )
        if paired_by_order:
            self.notes.append(
                f"Wyscout v3 lists {paired_by_order} multiple substitution(s) as parallel "
                "in/out lists: players paired in the order listed"
            )


def _version(raw: dict[str, Any], asked: str | None) -> str:
    if asked is not None:
        version = asked.upper()
        if version not in VERSIONS:
            raise ProviderError(f"--data-version {asked!r}: expected one of {', '.join(VERSIONS)}")
        return version
    events = raw.get("events") or [{}]
    return "V3" if "match" in raw or isinstance(events[0].get("type"), dict) else "V2"


def load_feed(files: dict[str, Path], options: ImportOptions) -> WyscoutFeed:
    raw = json.loads(files["event_data"].read_bytes())
    if not isinstance(raw, dict):
        raise ProviderError(f"--event-data {files['event_data']}: not a Wyscout match file")
    version = _version(raw, options.data_version)
    with opened(files) as handles:
        dataset = wyscout.load(event_data=handles["event_data"], data_version=version)
    return (WyscoutV3Feed if version == "V3" else WyscoutV2Feed)(dataset, raw)
