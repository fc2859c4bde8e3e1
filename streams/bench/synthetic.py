"""Generated ties that look like real matches: the benchmark's load, and (drawn by hypothesis)
the property tests' random ties. One generator for both; only the source of chance differs.

A tie is always valid: both legs when the rules have two, extra time and a shootout exactly
when the fold says the tie needs them (the fold is the oracle). With :class:`RandomChance`
the rates per team per match are rounded from real top-flight averages (and agree with the
kloppy sample matches): about 1.35 goals, 4 saves, 2 offsides, 2 yellow cards, 0.08 red
cards, 0.15 penalties awarded, 0.04 own goals, 4.5 substitutions, 0.1 disallowed goals.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tracker import MatchEvent, TieState, event_from_dict, fold, new_tie
from tracker.rules import PRESETS
from tracker.state import Reason

T = TypeVar("T")

#: Incidents per team per 90 minutes (see the module's doc).
RATES = {
    "goal": 1.30,
    "own_goal": 0.04,
    "save": 4.0,
    "offside": 2.0,
    "yellow": 2.0,
    "red": 0.08,
    "penalty": 0.15,
    "substitution": 4.5,
    "disallowed": 0.1,
}
CLUBS = [
    "Inter Miami", "LAFC", "Pumas", "Vancouver Whitecaps", "Cruz Azul", "Tigres", "Monterrey",
    "Seattle Sounders", "Columbus Crew", "America", "Toluca", "Philadelphia Union",
]  # fmt: skip
PLAYERS = [
    "Lionel Messi", "Luis Suárez", "Federico Redondo", "Noah Allen", "Oscar Ustari",
    "Aaron Long", "Denis Bouanga", "Hugo Lloris", "Jordi Alba", "Sergio Busquets",
]  # fmt: skip
#: Shootout kicks after which sudden death is ended (the next kicker scores, the one after
#: misses), so a generated tie is never endless.
MOST_KICKS = 14


@dataclass(frozen=True)
class Incident:
    """Something that happens in a period: ``kind`` is a key of :data:`RATES`."""

    minute: int
    kind: str
    team: str


class Chance(Protocol):
    """Every choice the generator makes."""

    def pick(self, options: Sequence[T]) -> T: ...

    def happens(self, probability: float) -> bool: ...

    def incidents(self, teams: Sequence[str], start: int, length: int) -> list[Incident]:
        """What happens between minutes ``start`` and ``start + length``, in minute order."""
        ...


class RandomChance:
    """Chance from a seeded :class:`random.Random`, at the real-match :data:`RATES`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def happens(self, probability: float) -> bool:
        return self.rng.random() < probability

    def incidents(self, teams: Sequence[str], start: int, length: int) -> list[Incident]:
        share = length / 90
        found = [
            Incident(start + self.rng.randint(1, length), kind, team)
            for kind, mean in RATES.items()
            for team in teams
            for _ in range(self._poisson(mean * share))
        ]
        return sorted(found, key=lambda incident: incident.minute)

    def _poisson(self, mean: float) -> int:
        found, threshold, product = 0, math.exp(-mean), self.rng.random()
        while product > threshold:
            found += 1
            product *= self.rng.random()
        return found


class MatchFeed:
    """Events of one match, as a feed would send them: ``feed.goal("Inter Miami", 61)``;
    ``seq`` and ``event_id`` numbered per match."""

    def __init__(self, tie_id: str, match_id: str, home: str, away: str) -> None:
        self.tie_id = tie_id
        self.match_id = match_id
        self.home = home
        self.away = away
        self._seq = itertools.count()
        self.period: str | None = None

    def event(self, type: str, minute: int | None = None, **fields: Any) -> MatchEvent:
        seq = next(self._seq)
        data: dict[str, Any] = {
            "event_id": f"{self.match_id}-{seq}",
            "tie_id": self.tie_id,
            "match_id": self.match_id,
            "seq": seq,
            "type": type,
            "period": fields.pop("period", self.period),
            "minute": minute,
            **fields,
        }
        return event_from_dict(data)

    def scheduled(self, leg: int = 1, rules: Any = "concacaf-champions-cup-2025") -> MatchEvent:
        return self.event("match_scheduled", home=self.home, away=self.away, leg=leg, rules=rules)

    def starts(self, period: str, minute: int) -> MatchEvent:
        self.period = period
        return self.event("period_started", minute, period=period)

    def ends(self, period: str, minute: int, added: int | None = None) -> MatchEvent:
        return self.event("period_ended", minute, period=period, added_minute=added)

    def goal(self, team: str, minute: int | None, **fields: Any) -> MatchEvent:
        return self.event("goal_scored", minute, team=team, **fields)

    def final_whistle(self, minute: int = 90) -> MatchEvent:
        return self.event("match_ended", minute)


def _told(chance: Chance, feed: MatchFeed, incident: Incident) -> list[MatchEvent]:
    """The events that tell one incident."""
    minute, team, player = incident.minute, incident.team, chance.pick(PLAYERS)
    match incident.kind:
        case "goal":
            body = chance.pick(["left_foot", "right_foot", "head"])
            return [feed.goal(team, minute, scorer=player, body_part=body)]
        case "own_goal":
            return [feed.goal(team, minute, scorer=player, kind="own_goal")]
        case "save":
            return [feed.event("save_made", minute, team=team, goalkeeper=player)]
        case "offside":
            return [feed.event("offside_called", minute, team=team, player=player)]
        case "yellow" | "red":
            return [feed.event("card_shown", minute, team=team, card=incident.kind, player=player)]
        case "substitution":
            return [feed.event("substitution_made", minute, team=team, player_on=player)]
        case "disallowed":
            reason = {"reason": "offside", "players": [player]}
            return [feed.event("goal_disallowed", minute, team=team, **reason)]
        case "penalty":
            awarded = feed.event("penalty_awarded", minute, team=team, reason="foul", won_by=player)
            if chance.happens(0.76):
                return [awarded, feed.goal(team, minute, scorer=player, kind="penalty")]
            missed = {"outcome": "saved", "taker": player}
            return [awarded, feed.event("penalty_missed", minute, team=team, **missed)]
    raise ValueError(f"no such incident: {incident.kind!r}")


def _period(
    chance: Chance, feed: MatchFeed, period: str, start: int, length: int
) -> list[MatchEvent]:
    events = [feed.starts(period, start)]
    for incident in chance.incidents((feed.home, feed.away), start, length):
        events += _told(chance, feed, incident)
    events.append(feed.ends(period, start + length))
    return events


def _shootout(chance: Chance, feed: MatchFeed, tie: TieState) -> list[MatchEvent]:
    """Kicks in turn until the fold names a winner."""
    kicks = [feed.starts("penalty_shootout", 120)]
    tie = fold(kicks, tie)
    turn = chance.pick([feed.home, feed.away])
    while tie.winner is None:
        if len(kicks) > MOST_KICKS:
            outcome = "scored" if len(kicks) % 2 == 0 else "missed"
        else:
            outcome = "scored" if chance.happens(0.75) else chance.pick(["saved", "missed"])
        kick = feed.event(
            "shootout_kick_taken", 120, team=turn, outcome=outcome, taker=chance.pick(PLAYERS)
        )
        tie = fold([kick], tie)
        kicks.append(kick)
        turn = feed.away if turn == feed.home else feed.home
    kicks.append(feed.ends("penalty_shootout", 120))
    return kicks


def generate_tie(chance: Chance, tie_id: str, rules: str = "uefa-2021") -> list[MatchEvent]:
    """Every event of one tie (both legs when two-legged), extra time and a shootout when
    the rules need them; the fold is used as the oracle so the stream is always valid."""
    legs = PRESETS[rules].legs
    home = chance.pick(CLUBS)
    away = chance.pick([club for club in CLUBS if club != home])
    feeds = [MatchFeed(tie_id, f"{tie_id}-leg1", home, away)]
    if legs == 2:
        feeds.append(MatchFeed(tie_id, f"{tie_id}-leg2", away, home))
    tie = new_tie(tie_id)
    events: list[MatchEvent] = []
    for number, feed in enumerate(feeds, start=1):
        leg = [feed.scheduled(leg=number, rules=rules)]
        leg += _period(chance, feed, "first_half", 0, 45)
        leg += _period(chance, feed, "second_half", 45, 45)
        tie = fold(leg, tie)
        is_decider = number == legs
        if is_decider and tie.reason is Reason.EXTRA_TIME:
            extra = _period(chance, feed, "extra_time_first_half", 90, 15)
            extra += _period(chance, feed, "extra_time_second_half", 105, 15)
            tie = fold(extra, tie)
            leg += extra
        if is_decider and tie.advancing is None and tie.reason is Reason.PENALTIES:
            kicks = _shootout(chance, feed, tie)
            tie = fold(kicks, tie)
            leg += kicks
        end = feed.final_whistle(leg[-1].minute or 90)
        tie = fold([end], tie)
        leg.append(end)
        events += leg
    return events


def generate_ties(
    seed: int, count: int, *, prefix: str = "gen", rules: tuple[str, ...] = ("uefa-2021",)
) -> Iterator[list[MatchEvent]]:
    """``count`` ties, reproducible from ``seed``."""
    rng = random.Random(seed)
    chance = RandomChance(rng)
    for number in range(count):
        yield generate_tie(chance, f"{prefix}-{number:05d}", rng.choice(rules))
