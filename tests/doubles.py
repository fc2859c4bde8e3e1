"""In-memory stand-ins for the processor's ports (log, table, broker, group), for unit tests
that replay crashes exactly: a changelog restored to any prefix, offsets skipped, a worker
fenced. Integration tests use the real broker and worker instead."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from streams import codecs
from streams.codecs import is_newer
from streams.worker.history import MemoryTieStore
from streams.worker.processor import Incoming, Output, Outputs, TieProcessor
from tracker import MatchEvent, TieState

TOPIC = "match-events"
OUTPUTS = Outputs("tie-scores", "match-updates", "moments", "dead-letters")


@dataclass
class MemoryLog:
    """One partition of `match-events`, appended to in order."""

    messages: list[Incoming] = field(default_factory=list)
    reads: list[tuple[int, int | None]] = field(default_factory=list)

    def append(self, value: bytes | None, key: bytes | None, partition: int = 0) -> Incoming:
        message = Incoming(TOPIC, partition, len(self.messages), key, value)
        self.messages.append(message)
        return message

    def append_events(self, events: Iterable[MatchEvent]) -> list[Incoming]:
        return [self.append(codecs.encode_event(e), e.tie_id.encode()) for e in events]

    async def read(
        self, topic: str, partition: int, start: int, stop: int | None
    ) -> AsyncIterator[Incoming]:
        self.reads.append((start, stop))
        end = len(self.messages) if stop is None else stop
        for message in self.messages[start:end]:
            yield message


class MemoryTable(MemoryTieStore):
    """The tie table and its changelog: every put is a changelog record, serialized with the
    worker's codec; :meth:`restored` is what a worker gets back after a crash."""

    def restored(self, records: int | None = None, skip: Sequence[int] = ()) -> MemoryTable:
        """A new table from the first ``records`` changelog records (all when None), as the
        broker's recovery gives them back, newest value of each key kept; ``skip`` leaves
        out records at those positions (a restore that is not even a prefix)."""
        table = MemoryTable(changelog=list(self.changelog[:records]))
        for index, (key, raw) in enumerate(table.changelog):
            value = codecs.decode_table_value(raw)
            if index not in skip and is_newer(value, table.data.get(key)):
                table.data[key] = value
        return table


@dataclass
class MemoryBroker:
    """What the processor published, in order; ``fail`` makes the next publishes raise."""

    published: list[Output] = field(default_factory=list)
    fail: int = 0

    async def publish(self, outputs: Sequence[Output]) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("broker unreachable")
        self.published.extend(outputs)

    def on(self, topic: str) -> list[dict]:
        return [orjson.loads(o.value) for o in self.published if o.topic == topic]

    def states(self) -> list[TieState]:
        return [TieState.from_json(o.value) for o in self.published if o.topic == "tie-scores"]

    def latest(self) -> dict[str, TieState]:
        newest: dict[str, TieState] = {}
        for state in self.states():
            if state.tie_id not in newest or state.version > newest[state.tie_id].version:
                newest[state.tie_id] = state
        return newest


@dataclass
class Group:
    """The consumer group as one worker sees it: what it owns, and whether its lease holds."""

    partitions: set[int] = field(default_factory=lambda: {0})
    generation: int = 0
    is_leased: bool = True

    def owns(self, partition: int, generation: int) -> bool:
        return generation == self.generation and partition in self.partitions

    async def confirm(self, partition: int, generation: int) -> bool:
        return self.is_leased and self.owns(partition, generation)


def worker(
    log: MemoryLog,
    table: MemoryTable | None = None,
    broker: MemoryBroker | None = None,
    group: Group | None = None,
    *,
    mark_every: int = 3,
) -> tuple[TieProcessor, MemoryTable, MemoryBroker]:
    """A processor on in-memory ports (marks every ``mark_every`` messages)."""
    table = table if table is not None else MemoryTable()
    broker = broker if broker is not None else MemoryBroker()
    processor = TieProcessor(
        store=table,
        publish=broker.publish,
        log=log,
        owner=group or Group(),
        outputs=OUTPUTS,
        mark_interval=float("inf"),
        mark_every=mark_every,
    )
    return processor, table, broker
