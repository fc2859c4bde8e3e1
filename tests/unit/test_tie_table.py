"""The worker's tie table (a real Faust table on the in-memory store, no broker): restoring
its changelog it keeps the newest value of each key, whatever order the records come in,
so a paused worker's late writes cannot take the table back; writing it, no mark leaves
before every record it covers is in."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError

from streams.codecs import PartitionMark, TieRecord, mark_key
from streams.worker.tables import TieStore, TieTable, tie_table
from tests.seed import SEED_FILES, SEED_TIE, load_events
from tracker import fold, new_tie


@pytest.fixture
def table() -> TieTable:
    app = faust.App("unit-tie-table", broker="kafka://127.0.0.1:9", store="memory://")
    return tie_table(app, partitions=8)


def changelog_record(key: str, value: object, offset: int) -> SimpleNamespace:
    """A changelog event as Faust's recovery hands it to ``apply_changelog_batch``."""
    message = SimpleNamespace(topic="ties-changelog", partition=0, offset=offset, value=b"-")
    return SimpleNamespace(key=key, value=value, message=message)


def seed_record(events: int) -> TieRecord:
    """The seed tie after its first ``events`` events, as the table holds it."""
    timeline = load_events(*SEED_FILES)[:events]
    state = fold(timeline, new_tie(SEED_TIE))
    return TieRecord(state=state, partition=0, offset=events - 1, positions={})


def test_a_paused_workers_older_record_after_the_new_owners_in_one_batch_is_ignored(table):
    new_owners, paused_workers = seed_record(20), seed_record(8)
    table.apply_changelog_batch(
        [
            changelog_record(SEED_TIE, new_owners, offset=0),
            changelog_record(SEED_TIE, paused_workers, offset=1),
        ]
    )
    assert table.data[SEED_TIE].state.version == new_owners.state.version


def test_a_mark_written_late_by_a_paused_worker_does_not_move_the_restored_mark_back(table):
    table.apply_changelog_batch(
        [
            changelog_record(mark_key(0), PartitionMark(partition=0, offset=250), offset=0),
            changelog_record(mark_key(0), PartitionMark(partition=0, offset=51), offset=1),
        ]
    )
    assert table.data[mark_key(0)].offset == 250


def test_a_newer_record_later_in_the_batch_replaces_an_older_one(table):
    table.apply_changelog_batch(
        [
            changelog_record(SEED_TIE, seed_record(8), offset=0),
            changelog_record(SEED_TIE, seed_record(20), offset=1),
        ]
    )
    assert table.data[SEED_TIE].state.version == seed_record(20).state.version


class FlakyChangelog:
    """Records what the store sends; the first delivery fails as a broker refusing the
    batch past the producer's retries would make it fail."""

    def __init__(self) -> None:
        self.sent: list[list[bytes]] = []

    async def __call__(self, records):
        self.sent.append([record.key for record in records])
        delivery = asyncio.get_running_loop().create_future()
        if len(self.sent) == 1:
            delivery.set_exception(KafkaTimeoutError("the broker did not answer"))
        else:
            delivery.set_result(None)
        return delivery


async def test_records_the_broker_refused_are_sent_again_before_the_next_mark(table):
    changelog = FlakyChangelog()
    store = TieStore(table, changelog)
    seed = load_events(*SEED_FILES)
    store.put(seed_record(8), seed[:8])
    await store.send_changelog()  # its delivery fails
    store.put(seed_record(12), seed[8:12])
    store.set_mark(0, 12)
    await store.send_changelog()
    first, second = changelog.sent
    assert second[: len(first)] == first  # refused ones first, in their order
    assert second[-1] == mark_key(0).encode()  # the mark after every record it covers
