"""A tie's history in the tie table: every event the tie received, written once to the
changelog in append-only chunks, and the full state rebuilt from them when only a slim
record is at hand (after a restore, or once a finished tie was packed to save memory).

The record (`streams.codecs.encode_record`) holds the tie's headline (its own derived state,
without its legs) and a digest of its public state, so its size does not grow with the
tie's events; the events of a run go to one new chunk per tie (`streams.codecs.chunk_key`:
the tie id and the number of the chunk's first event in the order the tie received them).
A tie's ``version`` counts the events it received, so the chunks of a record of version V
hold events 0 .. V-1, and re-folding them in that order gives the state back (the fold is
deterministic): it is checked against the record's digest before it is trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from streams.codecs import (
    HistoryChunk,
    InlineRecord,
    PackedRecord,
    PartitionMark,
    Received,
    SlimRecord,
    TableValue,
    TieRecord,
    chunk_key,
    decode_record,
    encode_record,
    encode_table_value,
    encode_tie,
    event_chunks,
    mark_key,
    snapshot_chunk,
    tie_version,
)
from streams.errors import StreamsError
from tracker import RuleViolation, TieState, fold, new_tie
from tracker.errors import InvalidEvent
from tracker.state import Status

log = logging.getLogger(__name__)


class Unrestorable(StreamsError):
    """A tie's history in the table does not give back its record (a chunk lost or damaged,
    or a fold that changed since it was written): the partition is rebuilt from the log."""

    def __init__(self, record: TieRecord, why: str) -> None:
        self.tie_id = record.state.tie_id
        self.partition = record.partition
        super().__init__(
            f"tie {self.tie_id!r} (partition {self.partition}, version "
            f"{record.state.version}) cannot be rebuilt from its history: {why}"
        )


def history_writes(
    previous: TableValue | None, record: TieRecord, received: Sequence[Received]
) -> list[tuple[str, HistoryChunk]]:
    """The chunks to write before ``record``: ``received`` are the events the tie received
    since ``previous`` (the record the table held), in order."""
    tie_id, through = record.state.tie_id, record.offset
    writes: list[tuple[str, HistoryChunk]] = []
    if isinstance(previous, InlineRecord):  # schema 2: its events are in no chunk yet
        writes.append((chunk_key(tie_id, 0), snapshot_chunk(previous, through)))
    start = tie_version(previous) if isinstance(previous, TieRecord | PackedRecord) else 0
    if start + len(received) != record.state.version:
        # Not a bug we know of; a snapshot keeps the history whole whatever happened.
        log.warning(
            "tie %s: %d events since version %d do not make version %d; writing a snapshot",
            tie_id,
            len(received),
            start,
            record.state.version,
        )
        return [(chunk_key(tie_id, 0), snapshot_chunk(record, through))]
    writes += [
        (chunk_key(tie_id, first), chunk) for first, chunk in event_chunks(received, start, through)
    ]
    return writes


def rebuild(slim: SlimRecord, lookup: Callable[[str], object]) -> TieRecord:
    """The full record of ``slim`` from its history chunks (``lookup`` reads the table);
    raises :class:`Unrestorable` unless the re-fold is ``slim``'s state (its version and
    its public state, or since schema 4 that state's digest)."""
    tie_id, version = slim.state.tie_id, slim.state.version
    state: TieState = new_tie(tie_id)
    received = 0
    while received < version:
        chunk = lookup(chunk_key(tie_id, received))
        if not isinstance(chunk, HistoryChunk):
            raise Unrestorable(slim, f"no chunk starts at event {received}")
        try:
            if chunk.is_snapshot:
                if received != 0:
                    raise Unrestorable(slim, f"a snapshot at event {received}")
                state = chunk.snapshot().state
                received = state.version
                continue
            events = chunk.events()
            state = fold(events, state)
        except (RuleViolation, InvalidEvent, ValueError) as error:
            raise Unrestorable(slim, f"chunk at event {received}: {error}") from None
        received += len(events)
    if not slim.is_state_of(state, encode_tie(state)):
        raise Unrestorable(slim, f"its events fold to another state (version {state.version})")
    return TieRecord(
        state=state, partition=slim.partition, offset=slim.offset, positions=slim.positions
    )


def in_memory(record: TieRecord, encoded: bytes | None = None) -> TieRecord | PackedRecord:
    """What a store keeps of ``record`` once written: a finished tie as the bytes of its
    record (``encoded``, when the caller has them), without the raw events of its legs (a
    finished tie rarely hears of anything again: a late event or a redelivery decodes it
    and rebuilds it from its history first)."""
    if record.state.status is not Status.FINISHED:
        return record
    return PackedRecord(encode_record(record) if encoded is None else encoded, record.state.version)


def unpacked(value: TableValue | None) -> TableValue | None:
    """A store's value with a packed record decoded (to a slim one, still to rebuild)."""
    return decode_record(value.raw) if isinstance(value, PackedRecord) else value


@dataclass
class MemoryTieStore:
    """The processor's store on a dict, its changelog a list of (key, bytes) written with the
    worker's codec, records and history kept as the worker's `TieStore` keeps them: the unit
    tests replay crashes on it (their `MemoryTable` restores any prefix of the changelog) and
    the benchmark counts the changelog bytes of a match on it."""

    changelog: list[tuple[str, bytes]] = field(default_factory=list)
    data: dict[str, TableValue] = field(default_factory=dict)
    #: Partitions whose history could not be rebuilt: their marks are not trusted.
    unreadable: set[int] = field(default_factory=set)

    def get(self, tie_id: str) -> TieRecord | None:
        value = unpacked(self.data.get(tie_id))
        if isinstance(value, SlimRecord):
            try:
                value = rebuild(value, self.data.get)
            except Unrestorable as error:
                self.unreadable.add(error.partition)
                del self.data[tie_id]
                raise
            self.data[tie_id] = value
        return value if isinstance(value, TieRecord) else None

    def put(
        self, record: TieRecord, received: Sequence[Received] = (), encoded: bytes | None = None
    ) -> None:
        tie_id = record.state.tie_id
        for key, chunk in history_writes(self.data.get(tie_id), record, received):
            self._write(key, chunk)
        self._write(tie_id, record, encoded)
        self.data[tie_id] = in_memory(record, encoded)

    def mark(self, partition: int) -> int | None:
        if partition in self.unreadable:
            return None
        value = self.data.get(mark_key(partition))
        return value.offset if isinstance(value, PartitionMark) else None

    def set_mark(self, partition: int, offset: int) -> None:
        self._write(mark_key(partition), PartitionMark(partition=partition, offset=offset))
        self.unreadable.discard(partition)

    async def send_changelog(self) -> None:
        """Nothing to send: :meth:`_write` appended each record to the changelog already."""

    def changelog_bytes(self) -> int:
        """Keys and values of every changelog record written so far."""
        return sum(len(key.encode()) + len(raw) for key, raw in self.changelog)

    def _write(self, key: str, value: TableValue, encoded: bytes | None = None) -> None:
        self.data[key] = value
        self.changelog.append((key, encode_table_value(value) if encoded is None else encoded))
