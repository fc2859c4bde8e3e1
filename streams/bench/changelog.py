"""What the tie table writes to its changelog for one dense match: the bytes (keys and
values, with the worker's codec) of every table write the processor makes while it folds
the match, in process on in-memory ports."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from streams import codecs
from streams.bench.synthetic import CLUBS, PLAYERS, RATES, MatchFeed
from streams.worker.history import MemoryTieStore
from streams.worker.processor import Incoming, Output, Outputs, TieProcessor
from tracker import MatchEvent

TOPIC = "match-events"
#: The kinds of incident a dense match is made of, in the real-match proportions of
#: :data:`~streams.bench.synthetic.RATES` (penalties and red cards left out: one event each).
_KINDS = ("goal", "save", "offside", "yellow", "substitution")


def dense_match(events: int = 3000, seed: int = 12) -> list[MatchEvent]:
    """One league match of exactly ``events`` events (at least 8): its schedule, two halves
    packed with incidents in real-match proportions, the final whistle."""
    rng = random.Random(seed)
    home, away = rng.sample(CLUBS, 2)
    feed = MatchFeed("dense", "dense-m1", home, away)
    incidents = events - 6  # schedule, two starts, two ends, the final whistle
    weights = [RATES[kind] for kind in _KINDS]
    told = [feed.scheduled(rules="league"), feed.starts("first_half", 0)]
    for number in range(incidents):
        if number == incidents // 2:
            told += [feed.ends("first_half", 45), feed.starts("second_half", 45)]
        minute = 1 + number * 89 // incidents
        kind = rng.choices(_KINDS, weights)[0]
        team, player = rng.choice((home, away)), rng.choice(PLAYERS)
        match kind:
            case "goal":
                told.append(feed.goal(team, minute, scorer=player, body_part="right_foot"))
            case "save":
                told.append(feed.event("save_made", minute, team=team, goalkeeper=player))
            case "offside":
                told.append(feed.event("offside_called", minute, team=team, player=player))
            case "yellow":
                told.append(
                    feed.event("card_shown", minute, team=team, card="yellow", player=player)
                )
            case _:
                told.append(feed.event("substitution_made", minute, team=team, player_on=player))
    told += [feed.ends("second_half", 90), feed.final_whistle(90)]
    return told


@dataclass
class _Log:
    messages: list[Incoming]

    async def read(
        self, topic: str, partition: int, start: int, stop: int | None
    ) -> AsyncIterator[Incoming]:
        for message in self.messages[start:stop]:
            yield message


class _Owner:
    def owns(self, partition: int, generation: int) -> bool:
        return True

    async def confirm(self, partition: int, generation: int) -> bool:
        return True


async def _nowhere(outputs: Sequence[Output]) -> None:
    return None


async def _fold(events: list[MatchEvent], run_size: int) -> MemoryTieStore:
    messages = [
        Incoming(TOPIC, 0, offset, event.tie_id.encode(), codecs.encode_event(event))
        for offset, event in enumerate(events)
    ]
    table, log = MemoryTieStore(), _Log([])
    processor = TieProcessor(
        store=table,
        publish=_nowhere,
        log=log,
        owner=_Owner(),
        outputs=Outputs("tie-scores", "match-updates", "moments", "dead-letters"),
    )
    for start in range(0, len(messages), run_size):
        run = messages[start : start + run_size]
        log.messages += run  # in the log when delivered, as a live feed
        await processor.handle(run)
    return table


def changelog_bytes_dense_match(events: int = 3000, *, run_size: int = 1, seed: int = 12) -> int:
    """Bytes the tie table writes to its changelog (keys and values, the worker's codec) while
    the processor folds one dense match of ``events`` events, delivered ``run_size`` at a time
    (1: a live feed, each event its own run; more: a backlog)."""
    return asyncio.run(_fold(dense_match(events, seed), run_size)).changelog_bytes()
