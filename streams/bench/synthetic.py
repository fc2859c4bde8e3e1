"""Generated ties that look like real matches, for load tests and benchmarks.

Rates per team per match are rounded from real top-flight averages (and agree with the
kloppy sample matches): about 1.35 goals, 4 saves, 2 offsides, 2 yellow cards, 0.08 red
cards, 0.15 penalties awarded, 0.04 own goals, 4.5 substitutions, 0.1 disallowed goals.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from tracker import MatchEvent, TieState, evolve, new_tie
from tracker.events import event_from_dict
from tracker.rules import PRESETS
from tracker.state import Reason

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


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


class _Feed:
    def __init__(self, tie_id: str, match_id: str, home: str, away: str) -> None:
        self.tie_id, self.match_id, self.home, self.away = tie_id, match_id, home, away
        self.seq = 0
        self.period: str | None = None

    def event(self, type: str, minute: int | None, **fields: object) -> MatchEvent:
        data = {
            "event_id": f"{self.match_id}-{self.seq:04d}",
            "tie_id": self.tie_id,
            "match_id": self.match_id,
            "seq": self.seq,
            "type": type,
            "period": fields.pop("period", self.period),
            "minute": minute,
            **fields,
        }
        self.seq += 1
        return event_from_dict(data)


def _play(rng: random.Random, feed: _Feed, start: int, length: int) -> list[MatchEvent]:
    """Random incidents of one period at real-match rates, in minute order."""
    share = length / 90
    incidents: list[tuple[int, str, str]] = []
    for kind, mean in RATES.items():
        for team in (feed.home, feed.away):
            for _ in range(_poisson(rng, mean * share)):
                incidents.append((start + rng.randint(1, length), kind, team))
    incidents.sort(key=lambda item: item[0])
    events: list[MatchEvent] = []
    for minute, kind, team in incidents:
        player = rng.choice(PLAYERS)
        match kind:
            case "goal":
                body = rng.choice(["left_foot", "right_foot", "head"])
                events.append(
                    feed.event("goal_scored", minute, team=team, scorer=player, body_part=body)
                )
            case "own_goal":
                events.append(
                    feed.event("goal_scored", minute, team=team, scorer=player, kind="own_goal")
                )
            case "save":
                events.append(feed.event("save_made", minute, team=team, goalkeeper=player))
            case "offside":
                events.append(feed.event("offside_called", minute, team=team, player=player))
            case "yellow" | "red":
                events.append(feed.event("card_shown", minute, team=team, card=kind, player=player))
            case "substitution":
                events.append(feed.event("substitution_made", minute, team=team, player_on=player))
            case "disallowed":
                events.append(
                    feed.event(
                        "goal_disallowed", minute, team=team, reason="offside", players=[player]
                    )
                )
            case "penalty":
                events.append(
                    feed.event("penalty_awarded", minute, team=team, reason="foul", won_by=player)
                )
                if rng.random() < 0.76:
                    events.append(
                        feed.event("goal_scored", minute, team=team, scorer=player, kind="penalty")
                    )
                else:
                    events.append(
                        feed.event(
                            "penalty_missed", minute, team=team, outcome="saved", taker=player
                        )
                    )
    return events


def _period(
    rng: random.Random, feed: _Feed, period: str, start: int, length: int
) -> list[MatchEvent]:
    feed.period = period
    events = [feed.event("period_started", start)]
    events += _play(rng, feed, start, length)
    events.append(feed.event("period_ended", start + length))
    return events


def _fold(tie: TieState, events: list[MatchEvent]) -> TieState:
    for event in events:
        tie = evolve(tie, event)
    return tie


def generate_tie(rng: random.Random, tie_id: str, rules: str = "uefa-2021") -> list[MatchEvent]:
    """Every event of one tie (both legs when two-legged), extra time and a shootout when
    the rules need them; the fold is used as the oracle so the stream is always valid."""
    legs = PRESETS[rules].legs
    home, away = rng.sample(CLUBS, 2)
    feeds = [_Feed(tie_id, f"{tie_id}-leg1", home, away)]
    if legs == 2:
        feeds.append(_Feed(tie_id, f"{tie_id}-leg2", away, home))
    tie = new_tie(tie_id)
    events: list[MatchEvent] = []
    for number, feed in enumerate(feeds, start=1):
        leg = [
            feed.event(
                "match_scheduled", None, home=feed.home, away=feed.away, leg=number, rules=rules
            )
        ]
        leg += _period(rng, feed, "first_half", 0, 45)
        leg += _period(rng, feed, "second_half", 45, 45)
        tie = _fold(tie, leg)
        decider = number == legs
        if decider and tie.reason is Reason.EXTRA_TIME:
            extra = _period(rng, feed, "extra_time_first_half", 90, 15)
            extra += _period(rng, feed, "extra_time_second_half", 105, 15)
            tie = _fold(tie, extra)
            leg += extra
        if decider and tie.advancing is None and tie.reason is Reason.PENALTIES:
            feed.period = "penalty_shootout"
            kicks = [feed.event("period_started", 120)]
            tie = _fold(tie, kicks)
            turn = rng.choice([feed.home, feed.away])
            while tie.winner is None:
                outcome = "scored" if rng.random() < 0.75 else rng.choice(["saved", "missed"])
                kick = feed.event(
                    "shootout_kick_taken",
                    120,
                    team=turn,
                    outcome=outcome,
                    taker=rng.choice(PLAYERS),
                )
                tie = _fold(tie, [kick])
                kicks.append(kick)
                turn = feed.away if turn == feed.home else feed.home
            kicks.append(feed.event("period_ended", 120))
            tie = _fold(tie, kicks[-1:])
            leg += kicks
        end = feed.event("match_ended", leg[-1].minute)
        tie = _fold(tie, [end])
        leg.append(end)
        events += leg
    return events


def generate_ties(
    seed: int, count: int, *, prefix: str = "gen", rules: tuple[str, ...] = ("uefa-2021",)
) -> Iterator[list[MatchEvent]]:
    """``count`` ties, reproducible from ``seed``."""
    rng = random.Random(seed)
    for number in range(count):
        yield generate_tie(rng, f"{prefix}-{number:05d}", rng.choice(rules))
