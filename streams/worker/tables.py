"""The tie table: tie state by tie_id, plus each partition's folded-through mark, backed by a
changelog topic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import faust

from streams.codecs import (
    TIE_RECORD_CODEC,
    PartitionMark,
    TableValue,
    TieRecord,
    UnreadableValue,
    is_newer,
    mark_key,
)

TIE_TABLE = "ties"


class TieTable(faust.Table[str, Any]):
    """A Faust table the processor writes outside an agent's event (batches, catch-up), to
    the changelog partition it names, and whose restore keeps the newest value of each key:
    a changelog record written late by a worker that had lost its partitions is ignored."""

    _forced_partition: int | None = None
    #: Partitions whose changelog held a record this code could not read: their marks are
    #: not trusted, so the processor rebuilds them from `match-events`.
    unreadable: set[int]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.unreadable = set()

    def partition_for_key(self, key: Any) -> int | None:
        if self._forced_partition is not None:
            return self._forced_partition
        return super().partition_for_key(key)

    def put(self, key: str, value: TableValue, partition: int) -> None:
        """``table[key] = value``, its changelog record on ``partition`` (the source's)."""
        self._forced_partition = partition
        try:
            self[key] = value
        finally:
            self._forced_partition = None

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        newest: list[Any] = []
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
            if isinstance(value, TieRecord | PartitionMark):
                current = self.data.get(event.key)
                if current is not None and not is_newer(value, current):
                    continue
            newest.append(event)
        super().apply_changelog_batch(newest)


class TieStore:
    """What the processor needs of the table: ties by id, marks by partition."""

    def __init__(self, table: TieTable) -> None:
        self.table = table

    def get(self, tie_id: str) -> TieRecord | None:
        value = self.table.get(tie_id)
        return value if isinstance(value, TieRecord) else None

    def put(self, record: TieRecord) -> None:
        self.table.put(record.state.tie_id, record, record.partition)

    def mark(self, partition: int) -> int | None:
        if partition in self.table.unreadable:
            return None  # some record was lost on restore: rebuild from the start
        value = self.table.get(mark_key(partition))
        return value.offset if isinstance(value, PartitionMark) else None

    def set_mark(self, partition: int, offset: int) -> None:
        self.table.put(
            mark_key(partition), PartitionMark(partition=partition, offset=offset), partition
        )
        self.table.unreadable.discard(partition)  # rebuilt from the start by now


def changelog_topic_name(app_id: str) -> str:
    return f"{app_id}-{TIE_TABLE}-changelog"


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
        help="Tie state (TieRecord: state + folded source positions) by tie_id, and each "
        "partition's folded-through mark.",
    )
    app.tables.add(table)
    table.key_serializer = "raw"
    table.value_serializer = TIE_RECORD_CODEC
    return table
