"""Chaos scenarios with real processes: workers SIGKILLed, restarted and SIGSTOPped while
copies of the seed tie are produced at a steady rate; then every tie's newest state on
`tie-scores` is compared with its offline fold, and versions are checked never to go back."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from streams.codecs import encode_event
from streams.kafka.clients import start_producer
from tests.seed import SEED_FILES, load_events
from tests.streams.harness import Namespace, Worker, finished, latest_states, read_until
from tracker import MatchEvent, TieState, fold, new_tie
from tracker.events import MatchScheduled
from tracker.rules import PRESETS


def seed_copies(prefix: str, count: int, *, interleaved: bool) -> list[list[MatchEvent]]:
    """``count`` copies of the seed tie under their own ids. Interleaved: the legs' events
    alternate in the log, under rules that allow it; otherwise leg 2 follows leg 1."""
    leg1, leg2 = (load_events(path) for path in SEED_FILES)
    rules = PRESETS["concacaf-champions-cup-2025"].model_copy(update={"legs_in_order": False})
    ties = []
    for n in range(count):
        tie_id = f"{prefix}-tie-{n}"

        def renamed(event: MatchEvent, tie_id: str = tie_id) -> MatchEvent:
            changes: dict[str, object] = {
                "tie_id": tie_id,
                "match_id": f"{tie_id}-{event.match_id[-4:]}",
                "event_id": f"{tie_id}-{event.event_id[-8:]}",
            }
            if interleaved and isinstance(event, MatchScheduled):
                changes["rules"] = rules
            return event.model_copy(update=changes)

        one, two = [renamed(e) for e in leg1], [renamed(e) for e in leg2]
        if interleaved:
            ties.append([e for pair in zip(one, two, strict=False) for e in pair] + two[len(one) :])
        else:
            ties.append(one + two)
    return ties


def shuffled_with_copies(ties: list[list[MatchEvent]], rng: random.Random) -> list[MatchEvent]:
    """All ties at once, each in its own order, every event sent twice (the copy somewhere
    later in its tie's stream)."""
    streams = []
    for tie in ties:
        stream = list(tie)
        for event in tie:
            at = stream.index(event)
            stream.insert(rng.randint(at + 1, len(stream)), event)
        streams.append(stream)
    mixed: list[MatchEvent] = []
    while streams:
        stream = rng.choice(streams)
        mixed.append(stream.pop(0))
        if not stream:
            streams.remove(stream)
    return mixed


async def produce_steadily(space: Namespace, events: Iterable[MatchEvent], seconds: float) -> None:
    """Send the events keyed by tie_id, spread evenly over about ``seconds``."""
    events = list(events)
    producer = await start_producer(space.bootstrap)
    try:
        chunks = max(1, int(seconds / 0.05))
        size = max(1, len(events) // chunks + 1)
        for start in range(0, len(events), size):
            pending = [
                await producer.send(
                    space.topics.match_events, key=e.tie_id.encode(), value=encode_event(e)
                )
                for e in events[start : start + size]
            ]
            await asyncio.gather(*pending)
            await asyncio.sleep(0.05)
    finally:
        await producer.stop()


def version_regressions(messages: Iterable[tuple[bytes | None, bytes]]) -> int:
    """How many `tie-scores` messages carry a version older than one before them for the
    same tie (messages in log order; a tie's updates share a partition)."""
    newest: dict[str, int] = {}
    regressions = 0
    for _, value in messages:
        state = TieState.from_json(value)
        if state.version < newest.get(state.tie_id, 0):
            regressions += 1
        newest[state.tie_id] = max(state.version, newest.get(state.tie_id, 0))
    return regressions


@dataclass
class Outcome:
    ties: int
    wrong: list[str] = field(default_factory=list)
    regressions: int = 0
    kills: int = 0
    pauses: int = 0
    healed_logs: int = 0

    def __str__(self) -> str:
        return (
            f"{self.ties} ties, {len(self.wrong)} wrong, {self.regressions} version regressions,"
            f" {self.kills} kills, {self.pauses} pauses"
        )


async def settle(
    space: Namespace, expected: dict[str, TieState], timeout: float
) -> tuple[dict[str, TieState], int]:
    scores = await read_until(space, space.topics.tie_scores, finished(expected), timeout)
    return latest_states(scores), version_regressions(scores)


def compare(expected: dict[str, TieState], latest: dict[str, TieState]) -> list[str]:
    return [
        tie_id
        for tie_id, state in expected.items()
        if tie_id not in latest or latest[tie_id].to_json() != state.to_json()
    ]


async def crash_run(
    broker_url: str, log_dir: Path, *, seed: int, ties: int, kills: int, interleaved: bool
) -> Outcome:
    """Ties produced over ~15 s at a steady rate while the worker is SIGKILLed and restarted
    ``kills`` times at random 3-7 s intervals."""
    rng = random.Random(seed)
    space = Namespace(broker_url)
    copies = seed_copies(space.name, ties, interleaved=interleaved)
    expected = {tie[0].tie_id: fold(tie, new_tie(tie[0].tie_id)) for tie in copies}
    worker = Worker(space, log_dir, "w0").start()
    workers = [worker]
    try:
        worker.wait_ready()
        feeding = asyncio.create_task(
            produce_steadily(space, shuffled_with_copies(copies, rng), seconds=15)
        )
        for n in range(kills):
            await asyncio.sleep(rng.uniform(3, 7))
            worker.kill()
            worker = Worker(space, log_dir, f"w{n + 1}").start()
            workers.append(worker)
        await feeding
        latest, regressions = await settle(space, expected, timeout=120)
    finally:
        for each in workers:
            each.stop()
    outcome = Outcome(ties, compare(expected, latest), regressions, kills=kills)
    outcome.healed_logs = sum("caught up offsets" in w.log() for w in workers)
    return outcome


def pause(worker: Worker) -> None:
    assert worker.process is not None
    os.killpg(worker.process.pid, signal.SIGSTOP)


def resume(worker: Worker) -> None:
    assert worker.process is not None
    os.killpg(worker.process.pid, signal.SIGCONT)


async def pause_run(
    broker_url: str, log_dir: Path, *, seed: int, ties: int, paused_for: float = 16.0
) -> Outcome:
    """Two workers share the ties; one is SIGSTOPped past the session timeout while ties are
    produced, the other takes over, then the paused one is SIGCONTed and must not publish
    anything stale."""

    async def pause_one(rng: random.Random, one: Worker, two: Worker) -> int:
        await asyncio.sleep(rng.uniform(3, 6))
        pause(one)
        await asyncio.sleep(paused_for)
        resume(one)
        return 1

    return await _paused_workers_run(
        broker_url, log_dir, seed=seed, ties=ties, interleaved=False, seconds=30,
        pauses=pause_one,
    )  # fmt: skip


async def pauses_in_turn_run(
    broker_url: str, log_dir: Path, *, seed: int, ties: int, paused_for: float = 14.0
) -> Outcome:
    """Two workers, each SIGSTOPped in turn past the session timeout (one, two, one) while
    ties are produced over a minute: three takeovers, and three resumed workers that had
    been caught mid-run or mid-publish (the case that published stale versions)."""

    async def in_turn(rng: random.Random, one: Worker, two: Worker) -> int:
        for victim in (one, two, one):
            await asyncio.sleep(rng.uniform(2, 6))
            pause(victim)
            await asyncio.sleep(paused_for + rng.uniform(0, 3))
            resume(victim)
        return 3

    return await _paused_workers_run(
        broker_url, log_dir, seed=seed, ties=ties, interleaved=seed % 2 == 0, seconds=60,
        pauses=in_turn,
    )  # fmt: skip


async def _paused_workers_run(
    broker_url: str,
    log_dir: Path,
    *,
    seed: int,
    ties: int,
    interleaved: bool,
    seconds: float,
    pauses: Callable[[random.Random, Worker, Worker], Awaitable[int]],
) -> Outcome:
    """Two workers share the ties, produced over ``seconds`` while ``pauses`` SIGSTOPs and
    SIGCONTs them (it returns how many pauses it made); then every tie is checked."""
    rng = random.Random(seed)
    space = Namespace(broker_url)
    copies = seed_copies(space.name, ties, interleaved=interleaved)
    expected = {tie[0].tie_id: fold(tie, new_tie(tie[0].tie_id)) for tie in copies}
    one = Worker(space, log_dir, "one").start()
    two = Worker(space, log_dir, "two").start()
    try:
        one.wait_ready()
        two.wait_ready()
        feeding = asyncio.create_task(
            produce_steadily(space, shuffled_with_copies(copies, rng), seconds=seconds)
        )
        made = await pauses(rng, one, two)
        await feeding
        latest, regressions = await settle(space, expected, timeout=120)
    finally:
        for worker in (one, two):
            resume(worker)
            worker.stop()
    return Outcome(ties, compare(expected, latest), regressions, pauses=made)


async def restart_run(broker_url: str, log_dir: Path, *, ties: int) -> tuple[Outcome, float]:
    """Ties produced, the worker SIGKILLed as the last events arrive, a new one started, and
    nothing produced after: every state must be right within seconds of the new worker
    being ready. Returns the outcome and those seconds."""
    space = Namespace(broker_url)
    copies = seed_copies(space.name, ties, interleaved=False)
    expected = {tie[0].tie_id: fold(tie, new_tie(tie[0].tie_id)) for tie in copies}
    first = Worker(space, log_dir, "first").start()
    try:
        first.wait_ready()
        await produce_steadily(space, [e for tie in copies for e in tie], seconds=2)
        first.kill()
    finally:
        first.stop()
    second = Worker(space, log_dir, "second").start()
    try:
        second.wait_ready()
        loop = asyncio.get_running_loop()
        ready_at = loop.time()
        latest, regressions = await settle(space, expected, timeout=60)
        took = loop.time() - ready_at
    finally:
        second.stop()
    return Outcome(ties, compare(expected, latest), regressions, kills=1), took


Runner = Callable[..., object]
