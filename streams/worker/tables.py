"""The tie table: tie state by tie_id, plus each partition's folded-through mark, backed by a
changelog topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import faust

from streams.codecs import (
    TIE_RECORD_CODEC,
    PartitionMark,
    Received,
    SlimRecord,
    TableValue,
    TieRecord,
    UnreadableValue,
    encode_table_value,
    is_newer,
    mark_key,
)
from streams.kafka.admin import create_topics
from streams.kafka.clients import producing
from streams.worker.history import Unrestorable, history_writes, in_memory, rebuild, unpacked

TIE_TABLE = "ties"


class TieTable(faust.Table[str, Any]):
    """A Faust table the processor writes outside an agent's event (batches, catch-up)
    through `TieStore`, and whose restore keeps the newest value of each key: a changelog
    record written late by a worker that had lost its partitions is ignored."""

    #: Partitions whose changelog held a record this code could not read: their marks are
    #: not trusted, so the processor rebuilds them from `match-events`.
    unreadable: set[int]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.unreadable = set()

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        """Keep, of each key, the newest value among the table's and the batch's: compared
        with what the batch itself brought before, not only with the table, since a paused
        worker's late record can follow the new owner's newer one in the same batch."""
        newest: dict[Any, Any] = {}
        for event in batch:
            value = event.value
            if isinstance(value, UnreadableValue):
                partition = event.message.partition
                self.log.error(
                    "changelog record %s[%d]@%d unreadable (%s): partition %d will be rebuilt "
                    "from match-events",
                    event.message.topic,
                    partition,
                    event.message.offset,
                    value.error,
                    partition,
                )
                self.unreadable.add(partition)
                continue
            before = newest.get(event.key)
            current = before.value if before is not None else self.data.get(event.key)
            if current is not None and not is_newer(value, current):
                continue
            newest[event.key] = event
        super().apply_changelog_batch(newest.values())


class ChangelogRecord(NamedTuple):
    topic: str
    partition: int
    key: bytes
    value: bytes


#: Sends a run's changelog records in order, returning once the producer has them, with an
#: awaitable that is done when the broker has acknowledged all of them (or failed).
SendRecords = Callable[[Sequence[ChangelogRecord]], Awaitable[Awaitable[object]]]


class TieStore:
    """What the processor needs of the table: ties by id (with their history), marks by
    partition. A write changes the table at once and queues its changelog record, encoded
    here and sent straight to the producer by :meth:`send_changelog` on the source's
    partition (Faust's own path, a ``send_soon`` through its buffer and serializers for
    each record, was a tenth of the worker's time with every update live)."""

    def __init__(self, table: TieTable, send: SendRecords) -> None:
        self.table = table
        self.send = send
        self.topic = table.changelog_topic.get_topic_name()
        self.pending: list[ChangelogRecord] = []
        #: Records sent and not known to be in the changelog yet, with their delivery.
        self.in_flight: list[tuple[Awaitable[object], list[ChangelogRecord]]] = []
        self.is_marking = False

    def get(self, tie_id: str) -> TieRecord | None:
        """The tie's full record: a slim one (restored) is rebuilt from its history first;
        one that cannot be raises :class:`Unrestorable`, its partition marked unreadable."""
        value = unpacked(self.table.get(tie_id))
        if isinstance(value, SlimRecord):
            try:
                value = rebuild(value, self.table.get)
            except Unrestorable as error:
                self.table.log.error(
                    "%s; partition %d is rebuilt from match-events", error, error.partition
                )
                self.table.unreadable.add(error.partition)
                del self.table.data[tie_id]  # here only: the rebuild writes it again
                raise
            self.table.data[tie_id] = value  # here only: the changelog has it
        return value if isinstance(value, TieRecord) else None

    def put(
        self, record: TieRecord, received: Sequence[Received], encoded: bytes | None = None
    ) -> None:
        """``record``, after the chunks of the events the tie ``received`` since the table's;
        the table keeps a finished tie without its events (the changelog has them all)."""
        tie_id, partition = record.state.tie_id, record.partition
        for key, chunk in history_writes(self.table.get(tie_id), record, received):
            self._write(key, chunk, partition)
        self._write(tie_id, record, partition, encoded)
        self.table.data[tie_id] = in_memory(record, encoded)

    def mark(self, partition: int) -> int | None:
        if partition in self.table.unreadable:
            return None  # some record was lost on restore: rebuild from the start
        value = self.table.get(mark_key(partition))
        return value.offset if isinstance(value, PartitionMark) else None

    def set_mark(self, partition: int, offset: int) -> None:
        self._write(
            mark_key(partition), PartitionMark(partition=partition, offset=offset), partition
        )
        self.table.unreadable.discard(partition)  # rebuilt from the start by now
        self.is_marking = True

    async def send_changelog(self) -> None:
        """Send what was written since the last call. A mark says every record before it is
        in the changelog, so before one leaves, every record sent earlier must have been
        acknowledged: any that were not (the broker refused them past the producer's
        retries) are sent again first, in the same batch as the mark."""
        if self.is_marking:
            self.is_marking = False
            self.pending = [*await self._undelivered(), *self.pending]
        pending, self.pending = self.pending, []
        if pending:
            self.in_flight.append((await self.send(pending), pending))

    async def _undelivered(self) -> list[ChangelogRecord]:
        in_flight, self.in_flight = self.in_flight, []
        again: list[ChangelogRecord] = []
        for delivery, records in in_flight:
            try:
                await delivery
            except Exception as error:  # the broker's refusal, after the producer's retries
                self.table.log.error(
                    "%d changelog records were not delivered (%r): sent again before the "
                    "partition's mark",
                    len(records),
                    error,
                )
                again += records
        return again

    def _write(
        self, key: str, value: TableValue, partition: int, encoded: bytes | None = None
    ) -> None:
        self.table.data[key] = value
        raw = encode_table_value(value) if encoded is None else encoded
        self.pending.append(ChangelogRecord(self.topic, partition, key.encode(), raw))


def changelog_topic_name(app_id: str) -> str:
    return f"{app_id}-{TIE_TABLE}-changelog"


async def mark_folded_through(bootstrap: str, app_id: str, ends: Mapping[int, int]) -> None:
    """Start a worker of ``app_id`` that has not run yet at ``ends`` (`match-events`
    partition -> offset): its changelog gets each partition's mark, as if everything before
    had been folded, so its catch-up reads from there, not from the start of the log (a
    replay worker must not fold what earlier replays left in the replay topics). One record
    per changelog partition, so Tansu's end offsets, which the restore reads up to, are
    right (DESIGN.md)."""
    topic = changelog_topic_name(app_id)
    await create_topics(bootstrap, {topic: (len(ends), True)})
    async with producing(bootstrap) as producer:
        sent = [
            await producer.send(
                topic,
                key=mark_key(partition).encode(),
                value=encode_table_value(PartitionMark(partition=partition, offset=offset)),
                partition=partition,
            )
            for partition, offset in ends.items()
        ]
        for delivery in sent:
            await delivery


def tie_table(app: faust.App, partitions: int) -> TieTable:
    """The table, with its changelog topic declared here: Faust derives serializers from
    model types only, and ours are a str key and a pydantic codec."""
    changelog = app.topic(
        changelog_topic_name(app.conf.id),
        key_type=str,
        key_serializer="raw",
        value_serializer=TIE_RECORD_CODEC,
        partitions=partitions,
        compacting=True,
        internal=True,
    )
    table = TieTable(
        app,
        name=TIE_TABLE,
        default=None,
        beacon=app.tables.beacon,
        partitions=partitions,
        key_type=str,
        changelog_topic=changelog,
        help="Tie records (the tie's headline, a digest of its public state, its folded "
        "source positions) by tie_id, each tie's history (its events in append-only chunks) "
        "and each partition's folded-through mark.",
    )
    app.tables.add(table)
    table.key_serializer = "raw"
    table.value_serializer = TIE_RECORD_CODEC
    return table
