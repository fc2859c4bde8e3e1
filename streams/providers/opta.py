"""Opta F7 + F24: the Opta event codes (shared with Stats Perform MA3) kloppy leaves raw."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path

from kloppy import opta
from kloppy.domain import Event as KloppyEvent
from kloppy.domain import (
    EventDataset,
    FoulCommittedEvent,
    GenericEvent,
    PassEvent,
    PassResult,
    Player,
    ShotEvent,
    Team,
)

from streams.providers import ImportOptions
from streams.providers.clock import START_MINUTE
from streams.providers.feed import Feed, PenaltyAward
from streams.providers.files import opened
from tracker.events import PenaltyReason

# Opta qualifiers (F24 / MA3): the ones this mapping reads.
Q_OFFSIDE_PLAYER = 7
Q_PENALTY = 9
Q_HAND = 10
Q_ASSISTED = 29
Q_RELATED_EVENT = 55
SHOOTOUT_MINUTE = 120


class OptaFeed(Feed):
    """Opta-coded events (``raw_event`` is kloppy's ``OptaEvent``)."""

    provider = "opta"

    def elapsed(self, event: KloppyEvent) -> timedelta:
        """From the raw match clock (``time_min``/``time_sec``), not kloppy's timestamp:
        kloppy takes a goal's time from qualifier 374 (a wall clock), which can be far off."""
        raw = event.raw_event
        minute, second = getattr(raw, "time_min", None), getattr(raw, "time_sec", None)
        if minute is None or second is None:
            return super().elapsed(event)
        start = START_MINUTE.get(event.period.id, SHOOTOUT_MINUTE)
        return timedelta(minutes=minute - start, seconds=second)

    @cached_property
    def _passes(self) -> dict[tuple[str, int], PassEvent]:
        """Passes by (team, Opta event id): Opta numbers events per team."""
        return {
            (record.team.team_id, record.raw_event.event_id): record
            for record in self.dataset.records
            if isinstance(record, PassEvent) and record.team is not None
        }

    def assist(self, shot: ShotEvent) -> Player | None:
        """The pass qualifier 55 names on a goal marked assisted (qualifier 29)."""
        qualifiers = shot.raw_event.qualifiers
        related = qualifiers.get(Q_RELATED_EVENT)
        if Q_ASSISTED not in qualifiers or not related or shot.team is None:
            return None
        try:
            assist = self._passes.get((shot.team.team_id, int(related)))
        except ValueError:
            return None
        return assist.player if assist is not None else None

    def offside(self, event: KloppyEvent) -> tuple[Team | None, Player | None] | None:
        """A pass played offside; qualifier 7 names the player caught. ("offside provoked",
        the defending side's record of the same offside, is not counted again.)"""
        if not isinstance(event, PassEvent) or event.result != PassResult.OFFSIDE:
            return None
        caught = event.raw_event.qualifiers.get(Q_OFFSIDE_PLAYER)
        player = event.team.get_player_by_id(caught) if caught and event.team else None
        return event.team, player

    def penalty_award(self, event: KloppyEvent) -> PenaltyAward | None:
        """A foul with qualifier 9 (penalty; 10 = hand ball). Opta records both sides of a
        foul: the fouled player's half is the "foul" event next to it."""
        if not isinstance(event, FoulCommittedEvent) or event.team is None:
            return None
        qualifiers = event.raw_event.qualifiers
        if Q_PENALTY not in qualifiers:
            return None
        won_by = None
        for near in (event.prev_record, event.next_record):
            if (
                isinstance(near, GenericEvent)
                and near.event_name == "foul"
                and near.team is not None
                and near.team != event.team
                and Q_PENALTY in near.raw_event.qualifiers
            ):
                won_by = near.player
        return PenaltyAward(
            team=self.opponent(event.team),
            reason=PenaltyReason.HANDBALL if Q_HAND in qualifiers else PenaltyReason.FOUL,
            won_by=won_by,
            conceded_by=event.player,
        )


def load_feed(files: dict[str, Path], options: ImportOptions) -> OptaFeed:
    with opened(files) as handles:
        dataset: EventDataset = opta.load(f7_data=handles["f7_data"], f24_data=handles["f24_data"])
    return OptaFeed(dataset)
