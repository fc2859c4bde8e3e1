"""In-memory stand-ins for the processor's ports (log, table, broker, group), for unit tests
that replay crashes exactly: a changelog restored to any prefix, offsets skipped, a worker
fenced. Integration tests use the real broker and worker instead."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from streams import codecs
from streams.codecs import PartitionMark, SlimRecord, TableValue, TieRecord, is_newer, mark_key
from streams.worker.history import Unrestorable, history_writes, in_memory, rebuild
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


@dataclass
class MemoryTable:
    """The tie table and its changelog: every put is a changelog record, serialized with the
    worker's codec; :meth:`restored` is what a worker gets back after a crash. Records and
    history as the worker's `TieStore` keeps them."""

    changelog: list[tuple[str, bytes]] = field(default_factory=list)
    data: dict[str, TableValue] = field(default_factory=dict)
    unreadable: set[int] = field(default_factory=set)

    def get(self, tie_id: str) -> TieRecord | None:
        value = self.data.get(tie_id)
        if isinstance(value, SlimRecord):
            try:
                value = rebuild(value, self.data.get)
            except Unrestorable as error:
                self.unreadable.add(error.partition)
                del self.data[tie_id]
                raise
            self.data[tie_id] = value
        return value if isinstance(value, TieRecord) else None

    def put(self, record: TieRecord, received: Sequence[MatchEvent] = ()) -> None:
        tie_id = record.state.tie_id
        for key, chunk in history_writes(self.data.get(tie_id), record, received):
            self._write(key, chunk)
        self._write(tie_id, record)
        self.data[tie_id] = in_memory(record)

    def mark(self, partition: int) -> int | None:
        if partition in self.unreadable:
            return None
        value = self.data.get(mark_key(partition))
        return value.offset if isinstance(value, PartitionMark) else None

    def set_mark(self, partition: int, offset: int) -> None:
        self._write(mark_key(partition), PartitionMark(partition=partition, offset=offset))
        self.unreadable.discard(partition)

    def _write(self, key: str, value: TableValue) -> None:
        self.data[key] = value
        self.changelog.append((key, codecs.encode_table_value(value)))

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
