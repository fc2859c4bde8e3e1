"""Kloppy's event model mapped to ours, one function per concern; a feed's quirks are hooks.

:class:`Feed` answers the questions each concern asks (is this shot an own goal, who
assisted, is this a save...) the way kloppy's model answers them; a provider's module
subclasses it where its feed says more, or less, than kloppy's model carries.

The match clock is the one a fan reads: an event 0:30 into the first half is in the 1st
minute (``1'``), one 45:30 into it is ``45+1'``, one 2:00 into the second half ``48'``.
That is Opta's and Stats Perform's published ``timeMin`` (floor of the elapsed minutes,
plus one); the raw ``minute`` fields of StatsBomb and Opta F24 are the floor, one less.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from kloppy.domain import BodyPart as KloppyBodyPart
from kloppy.domain import (
    BodyPartQualifier,
    CardEvent,
    EventDataset,
    GenericEvent,
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
    SubstitutionEvent,
    Team,
)
from kloppy.domain import CardType as KloppyCardType
from kloppy.domain import Event as KloppyEvent

from streams.providers import ImportOptions, ImportResult, ProviderError
from tracker import InvalidEvent, MatchEvent, RuleViolation, event_from_dict, evolve, new_tie
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

PERIODS = {
    1: Period.FIRST_HALF,
    2: Period.SECOND_HALF,
    3: Period.EXTRA_TIME_FIRST_HALF,
    4: Period.EXTRA_TIME_SECOND_HALF,
    5: Period.PENALTY_SHOOTOUT,
}
START_MINUTE = {1: 0, 2: 45, 3: 90, 4: 105}
END_MINUTE = {1: 45, 2: 90, 3: 105, 4: 120}
MAX_ADDED_MINUTES = 30
SHOOTOUT = 5

BODY_PARTS = {
    KloppyBodyPart.LEFT_FOOT: BodyPart.LEFT_FOOT,
    KloppyBodyPart.RIGHT_FOOT: BodyPart.RIGHT_FOOT,
    KloppyBodyPart.HEAD: BodyPart.HEAD,
    KloppyBodyPart.OTHER: BodyPart.OTHER,
    KloppyBodyPart.CHEST: BodyPart.OTHER,
    # HEAD_OTHER ("head or body", Wyscout) says neither: the body part stays unknown.
}
CARDS = {
    KloppyCardType.FIRST_YELLOW: CardType.YELLOW,
    KloppyCardType.SECOND_YELLOW: CardType.SECOND_YELLOW,
    KloppyCardType.RED: CardType.RED,
}
KICK_OUTCOMES = {ShotResult.GOAL: KickOutcome.SCORED, ShotResult.SAVED: KickOutcome.SAVED}


# -- the clock -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    minute: int | None = None
    added_minute: int | None = None


def clock_at(period_id: int, elapsed: timedelta, *, is_whistle: bool = False) -> Clock | None:
    """The clock ``elapsed`` into a period (1-4), or None when that is out of range.

    An event is in the minute it started in plus one (0:30 is ``1'``); a whistle at
    exactly 45:00 ends the 45th minute, so whistles round up instead.
    """
    seconds = elapsed.total_seconds()
    if seconds < 0:
        return None
    minutes = math.ceil(seconds / 60) if is_whistle else math.floor(seconds / 60) + 1
    minute = START_MINUTE[period_id] + minutes
    end = END_MINUTE[period_id]
    if minute <= end:
        return Clock(minute)
    if minute - end > MAX_ADDED_MINUTES:
        return None
    return Clock(end, minute - end)


# -- one feed, as kloppy reads it ----------------------------------------------------------


@dataclass(frozen=True)
class Happening:
    """One of our events before it has ids and a place: its period, time and content."""

    period_id: int
    elapsed: timedelta
    fields: dict[str, Any]


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


#: Letters NFKD does not take apart into an ASCII letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "ı": "i"}
)


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
        return team.name or ""

    def player_name(self, player: Player | None) -> str | None:
        if player is None:
            return None
        return " ".join(player.full_name.split()) or None

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
        record = shot.prev_record
        for _ in range(10):
            if record is None or isinstance(record, ShotEvent):
                return None
            if (
                isinstance(record, PassEvent)
                and record.team == shot.team
                and has_qualifier(record, PassType.ASSIST)
            ):
                return record.player
            record = record.prev_record
        return None

    def goalkeeper_facing(self, shot: ShotEvent) -> Player | None:
        """The keeper who faced a penalty: the next goalkeeper action of the other side."""
        record = shot.next_record
        for _ in range(3):
            if record is None:
                return None
            if isinstance(record, GoalkeeperEvent) and record.team != shot.team:
                return record.player
            record = record.next_record
        return None

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
        record = save.prev_record
        for _ in range(3):
            if record is None:
                return None
            if isinstance(record, ShotEvent) and record.team != save.team:
                return record.player
            record = record.prev_record
        return None

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


# -- the concerns: one function each, kloppy event -> our event fields --------------------


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


# -- the match: periods around the happenings, folded as it is built ----------------------


def happenings(feed: Feed, skipped: Counter[str]) -> list[Happening]:
    found: list[Happening] = []
    for event in feed.dataset.records:
        fields = mapped(feed, event)
        if not fields:
            skipped[kloppy_type(event)] += 1
            continue
        elapsed = feed.elapsed(event)
        found.extend(Happening(event.period.id, elapsed, each) for each in fields)
    found.extend(feed.extra_happenings())
    return found


def default_rules(period_ids: Iterable[int]) -> str:
    """A league match, unless the feed has extra time or a shootout: then a knockout."""
    return "single-match-knockout" if max(period_ids, default=1) > 2 else "league"


class _MatchBuilder:
    """Our events in order, each folded before it is kept; what the fold refuses is dropped."""

    def __init__(self, tie_id: str, match_id: str, dropped: Counter[str]) -> None:
        self.tie_id = tie_id
        self.match_id = match_id
        self.dropped = dropped
        self.tie = new_tie(tie_id)
        self.events: list[MatchEvent] = []

    def add(self, fields: dict[str, Any], period: Period | None, clock: Clock | None) -> bool:
        seq = len(self.events)
        data = {
            "event_id": f"{self.match_id}-{seq:05d}",
            "tie_id": self.tie_id,
            "match_id": self.match_id,
            "seq": seq,
            **({"period": period} if period is not None else {}),
            **({"minute": clock.minute, "added_minute": clock.added_minute} if clock else {}),
            **{key: value for key, value in fields.items() if value is not None},
        }
        if "team" in fields and fields["team"] is None:
            self.dropped[f"{fields['type']}: the feed names no team"] += 1
            return False
        try:
            event = event_from_dict(data)
            self.tie = evolve(self.tie, event)
        except InvalidEvent as error:
            self.dropped[f"{fields['type']}: {error.reason} ({error.field})"] += 1
            return False
        except RuleViolation as error:
            self.dropped[f"{fields['type']}: refused by the fold ({type(error).__name__})"] += 1
            return False
        self.events.append(event)
        return True


def import_match(feed: Feed, options: ImportOptions) -> ImportResult:
    """Our events for the feed's match: scheduled, each period with what happened in it, ended."""
    metadata = feed.dataset.metadata
    periods = sorted(metadata.periods, key=lambda p: p.id)
    period_ids = [p.id for p in periods]
    unknown = [p for p in period_ids if p not in PERIODS]
    if unknown or not periods:
        raise ProviderError(f"{feed.provider}: the feed's periods {period_ids} are not football's")
    match_id = options.match_id or feed.match_id()
    tie_id = options.tie_id or match_id
    rules = options.rules or default_rules(period_ids)
    skipped: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    notes = feed.notes
    by_period: dict[int, list[Happening]] = {p: [] for p in period_ids}
    for happening in happenings(feed, skipped):
        if happening.period_id not in by_period:
            dropped[f"{happening.fields['type']}: in a period the feed does not list"] += 1
            continue
        if happening.period_id == SHOOTOUT and happening.fields["type"] == "save_made":
            dropped["save_made: in the shootout (the kick's outcome says it)"] += 1
            continue
        by_period[happening.period_id].append(happening)

    builder = _MatchBuilder(tie_id, match_id, dropped)
    home, away = feed.team_name(feed.home), feed.team_name(feed.away)
    schedule = {
        "type": "match_scheduled",
        "home": home,
        "away": away,
        "leg": options.leg,
        "rules": rules,
        "kickoff": feed.kickoff(),
    }
    if not builder.add(schedule, None, None):
        raise ProviderError(f"{feed.provider}: cannot schedule {home} v {away}: {dict(dropped)}")
    shootout_minute = END_MINUTE[4] if 4 in period_ids else END_MINUTE[2]
    unclocked = 0
    last_clock: Clock | None = None
    for period in periods:
        name = PERIODS[period.id]
        end: Clock | None
        if period.id == SHOOTOUT:
            start = end = Clock(shootout_minute)
        else:
            start = Clock(START_MINUTE[period.id])
            end = _whistle(feed, period, by_period[period.id])
        builder.add({"type": "period_started", "period": name}, name, start)
        ordered = sorted(by_period[period.id], key=lambda h: h.elapsed)
        for happening in ordered:
            if period.id == SHOOTOUT:
                clock: Clock | None = start
            else:
                clock = clock_at(period.id, happening.elapsed)
                unclocked += clock is None
            builder.add(happening.fields, name, clock)
        builder.add({"type": "period_ended", "period": name}, name, end)
        last_clock = end
    builder.add({"type": "match_ended"}, PERIODS[periods[-1].id], last_clock)

    if unclocked:
        notes.append(
            f"{unclocked} event(s) have a feed time outside their period: minute left unknown"
        )
    result = ImportResult(
        provider=feed.provider,
        events=builder.events,
        skipped=skipped,
        dropped=dropped,
        notes=notes,
        feed_score=feed.feed_score(),
        tie=builder.tie,
    )
    if result.feed_score is not None and result.feed_score != result.score:
        notes.append(
            f"the feed's final score is {home} {result.feed_score[0]}-{result.feed_score[1]} "
            f"{away}, its events give {result.score[0]}-{result.score[1]}: the event file "
            "is incomplete or edited, or a goal was not recorded as one"
        )
    return result


def _whistle(feed: Feed, period: Any, in_period: list[Happening]) -> Clock | None:
    """The clock when a period ended: its length in the feed, else its last event's time."""
    if period.end_timestamp is not None:
        return clock_at(period.id, period.end_timestamp - period.start_timestamp, is_whistle=True)
    last = max((h.elapsed for h in in_period), default=None)
    return clock_at(period.id, last, is_whistle=True) if last is not None else None


@contextmanager
def opened(files: dict[str, Path]) -> Iterator[dict[str, BinaryIO]]:
    """The files open for reading, as kloppy's loaders take them (and close them after)."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(path.open("rb")) for name, path in files.items()}
