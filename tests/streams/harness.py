"""Real Faust workers as subprocesses, and helpers to feed and read the product's topics."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams.clients.feed import Timed, send_events
from streams.clients.matchfiles import SourcedEvent
from streams.config import Settings, bootstrap_of
from streams.kafka.clients import start_producer
from streams.kafka.follow import follow
from streams.local.worker import WorkerProcess
from streams.topics import TopicNames
from tracker import MatchEvent, TieState

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Namespace:
    """A test's own app id and topic prefix, so tests cannot disturb each other."""

    broker: str
    partitions: int = 8
    name: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")

    @property
    def topics(self) -> TopicNames:
        return TopicNames(f"{self.name}.")

    @property
    def bootstrap(self) -> str:
        return bootstrap_of(self.broker)

    def settings(self) -> Settings:
        """A worker's settings in this namespace (every other one at its default)."""
        return Settings(
            broker=self.broker,
            app_id=self.name,
            topic_prefix=self.topics.prefix,
            partitions=self.partitions,
        )


class Worker(WorkerProcess):
    """A worker of the test's namespace, its log and data beside the test's files."""

    def __init__(
        self,
        space: Namespace,
        log_dir: Path,
        label: str = "worker",
        env: dict[str, str] | None = None,
    ) -> None:
        """``env``: more settings, as the environment variables that set them."""
        changes = Settings.from_env(env or {})
        settings = space.settings().replace(**changes.model_dump(include=changes.model_fields_set))
        super().__init__(settings, log_dir / f"{space.name}-{label}-{uuid.uuid4().hex[:6]}.log")

    def start(self) -> Worker:
        super().start()
        return self


def sourced(events: Iterable[MatchEvent]) -> list[SourcedEvent]:
    return [SourcedEvent("test", n, event, b"") for n, event in enumerate(events, start=1)]


async def feed(space: Namespace, events: Iterable[MatchEvent]) -> int:
    """Send events in the given order (already clock-ordered or not), batched as the
    producer normally batches: as fast as possible, linger 5 ms."""
    producer = await start_producer(space.bootstrap)
    try:
        timed = [Timed(0.0, item) for item in sourced(events)]
        return await send_events(producer, space.topics.match_events, timed)
    finally:
        await producer.stop()


async def send_raw(space: Namespace, messages: Iterable[tuple[bytes | None, bytes]]) -> None:
    producer = await start_producer(space.bootstrap)
    try:
        for key, value in messages:
            await producer.send_and_wait(space.topics.match_events, key=key, value=value)
    finally:
        await producer.stop()


async def read_until(
    space: Namespace,
    topic: str,
    done: Callable[[list[bytes]], bool],
    timeout: float = 60.0,
) -> list[tuple[bytes | None, bytes]]:
    """Messages of ``topic`` from the beginning until ``done(values)`` or the timeout."""
    seen: list[tuple[bytes | None, bytes]] = []

    async def collect() -> None:
        async for update in follow(space.bootstrap, [topic], from_beginning=True):
            seen.append((update.key, update.value))
            if done([value for _, value in seen]):
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(collect(), timeout)
    return seen


def latest_states(messages: Iterable[tuple[bytes | None, bytes]]) -> dict[str, TieState]:
    """The newest version of every tie among `tie-scores` messages."""
    latest: dict[str, TieState] = {}
    for _, value in messages:
        state = TieState.from_json(value)
        if state.tie_id not in latest or state.version > latest[state.tie_id].version:
            latest[state.tie_id] = state
    return latest


def finished(expected: dict[str, TieState]) -> Callable[[list[bytes]], bool]:
    """True once every expected tie has been seen at its final version."""
    waiting = {tie_id: state.version for tie_id, state in expected.items()}
    read = 0

    def check(values: list[bytes]) -> bool:
        nonlocal read
        for value in values[read:]:
            data = orjson.loads(value)
            if waiting.get(data["tie_id"], 1 << 62) <= data["version"]:
                del waiting[data["tie_id"]]
        read = len(values)
        return not waiting

    return check
