"""The worker's processor on in-memory ports: crashes replayed exactly (a changelog restored to
any prefix, offsets redelivered from any commit, offsets skipped, a worker fenced), and every
kind of bad input ending in a dead letter with its reason."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import orjson
import pytest

from streams.bench.changelog import changelog_bytes_dense_match
from streams.codecs import (
    MAX_EVENT_BYTES,
    MAX_RECORD_BYTES,
    PackedRecord,
    SlimRecord,
    encode_event,
    encode_tie,
)
from streams.worker.processor import Incoming, TieProcessor
from tests.builders import MatchFeed, leg_feeds
from tests.doubles import OUTPUTS, TOPIC, Group, MemoryBroker, MemoryLog, MemoryTable, worker
from tests.seed import SEED_FILES, SEED_TIE, load_events, seed_as
from tracker import MatchEvent, TieState, evolve, fold, new_tie
from tracker.events import MatchScheduled
from tracker.moments import moments
from tracker.rules import PRESETS


def offline(events: list[MatchEvent]) -> TieState:
    return fold(events, new_tie(events[0].tie_id))


def offline_moment_ids(events: list[MatchEvent]) -> list[str]:
    tie, ids = new_tie(events[0].tie_id), []
    for event in events:
        after = evolve(tie, event)
        ids += [moment.id for moment in moments(tie, after, event)]
        tie = after
    return ids


def offline_moment_ids_in_log_order(events: list[MatchEvent]) -> list[str]:
    """The moments of several ties' events, folded offline in the order given."""
    ties: dict[str, TieState] = {}
    ids: list[str] = []
    for event in events:
        tie = ties.get(event.tie_id) or new_tie(event.tie_id)
        ties[event.tie_id] = after = evolve(tie, event)
        ids += [moment.id for moment in moments(tie, after, event)]
    return ids


def interleaved_seed_tie() -> list[MatchEvent]:
    """Both legs' events interleaved, as produce.py once sent them by clock, under rules that
    let the legs overlap: the log layout that broke one-offset-per-tie positions."""
    rules = PRESETS["concacaf-champions-cup-2025"].model_copy(update={"legs_in_order": False})
    leg1, leg2 = (load_events(path) for path in SEED_FILES)
    mixed = [e for pair in zip(leg1, leg2, strict=False) for e in pair] + leg2[len(leg1) :]
    return [
        e.model_copy(update={"rules": rules}) if isinstance(e, MatchScheduled) else e for e in mixed
    ]


async def deliver(processor, messages, generation: int = 0) -> None:
    """Faust's delivery: each message on its own (a live feed)."""
    for message in messages:
        await processor.handle([message._replace(generation=generation)])


async def live(processor, log: MemoryLog, events: list[MatchEvent]) -> None:
    """A live feed: each event is in the log only when it is delivered."""
    for event in events:
        await deliver(processor, log.append_events([event]))


def assert_versions_never_go_back(broker: MemoryBroker) -> None:
    newest: dict[str, int] = {}
    for state in broker.states():
        assert state.version >= newest.get(state.tie_id, 0), "a version went backwards"
        newest[state.tie_id] = state.version


async def test_the_seed_tie_through_the_processor_is_the_offline_fold_with_every_moment():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    processor, _, broker = worker(log)
    await live(processor, log, events)
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()
    assert [m["id"] for m in broker.on("moments")] == offline_moment_ids(events)
    assert [s.version for s in broker.states()] == list(range(1, len(events) + 1))


async def test_a_finished_first_leg_corrected_during_the_second_is_published_corrected():
    """The worker serializes a finished first leg once while the second is played; a feed
    that then retracts a first-leg goal changes that leg, and every update from there on
    shows the leg as corrected, byte for byte the offline fold's."""
    one, two = leg_feeds()
    leg1 = [
        one.scheduled(leg=1),
        one.starts("first_half", 0),
        one.goal("LAFC", 10, scorer="Denis Bouanga"),
        one.ends("first_half", 45),
        one.starts("second_half", 45),
        one.ends("second_half", 90),
        one.final_whistle(),
    ]
    leg2 = [two.scheduled(leg=2), two.starts("first_half", 0)]
    retraction = one.event("event_retracted", 90, retracted_event_id=leg1[2].event_id)
    events = [*leg1, *leg2, retraction, two.goal("Inter Miami", 20, scorer="Lionel Messi")]
    log = MemoryLog()
    processor, _, broker = worker(log)
    await live(processor, log, events)
    published = [o.value for o in broker.published if o.topic == "tie-scores"]
    assert published == [
        offline(events[:count]).to_json().encode() for count in range(1, len(events) + 1)
    ]
    assert broker.latest()[SEED_TIE].legs[0].score == {"LAFC": 0, "Inter Miami": 0}


async def test_a_backlog_is_folded_as_one_run_with_one_update_per_tie_and_every_moment():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    processor, _, broker = worker(log)
    await processor.handle(log.append_events(events))
    assert [s.version for s in broker.states()] == [len(events)]
    assert [m["id"] for m in broker.on("moments")] == offline_moment_ids(events)


# -- mechanism 1: a table restored short, legs interleaved in the log ----------------------


async def test_interleaved_legs_with_leg_one_events_never_delivered_still_end_right():
    """The issue's reproduction: leg-1 seq 3 and 4 never reach the processor (Faust's GAP),
    leg-2 events in between move the tie on, then leg-1 seq 5 arrives. The landed processor
    (one offset per tie) published leg 1 "finished 0-0" with a gap after seq 2; this one
    reads the offsets it did not see before folding on."""
    events = interleaved_seed_tie()
    log = MemoryLog()
    processor, _, broker = worker(log)
    for event in events:
        message = log.append_events([event])[0]
        is_lost = event.match_id.endswith("leg1") and event.seq in (3, 4)
        if not is_lost:
            await deliver(processor, [message])
    final = broker.latest()[SEED_TIE]
    assert final.legs[0].score == {"LAFC": 1, "Inter Miami": 0}
    assert final.to_json() == offline(events).to_json()
    assert broker.on("dead-letters") == []


@pytest.mark.parametrize("crash_after", [5, 11, 16, 23])
async def test_a_worker_restored_from_any_changelog_prefix_ends_as_the_offline_fold(crash_after):
    """Every prefix of the changelog a broker's recovery could return (Tansu's wrong end
    offsets truncate it), every offset Faust could redeliver from: the tie ends right, and no
    version published after the restart is older than one published before it."""
    events = interleaved_seed_tie()
    expected = offline(events).to_json()
    messages = MemoryLog().append_events(events)
    first_log = MemoryLog()
    first, table, first_broker = worker(first_log)
    await live(first, first_log, events[:crash_after])
    produced_before_restart = min(len(events), crash_after + 3)
    for records in range(len(table.changelog) + 1):
        for committed in sorted({0, crash_after // 2, crash_after}):
            log = MemoryLog(messages=messages[:produced_before_restart])
            broker = MemoryBroker(published=list(first_broker.published))
            second, _, _ = worker(log, table.restored(records), broker)
            await second.catch_up("match-events", 0, generation=0)
            await deliver(second, log.messages[committed:])  # Faust redelivers these
            for message in messages[produced_before_restart:]:  # the feed goes on
                log.messages.append(message)
                await deliver(second, [message])
            assert broker.latest()[SEED_TIE].to_json() == expected, (records, committed)
            assert_versions_never_go_back(broker)


async def test_a_restore_that_lost_a_tie_record_but_kept_a_later_mark_is_healed_by_its_legs():
    """Not even a prefix: the tie's last two records are lost but the partition's later mark
    survived, so the catch-up starts after events the table lacks. The next event of a leg
    shows a seq gap; the leg is re-read from its own position and the tie ends right."""
    events = interleaved_seed_tie()
    log = MemoryLog()
    first, table, _ = worker(log, mark_every=1)
    await live(first, log, events[:12])
    ties = [i for i, (key, _) in enumerate(table.changelog) if not key.startswith("\x00")]
    second, _, broker = worker(log, table.restored(skip=ties[-2:]))
    await second.catch_up("match-events", 0, generation=0)
    await live(second, log, events[12:])
    assert any(stop == 12 for _, stop in log.reads), "no leg was re-read"
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()


def two_ties_interleaved() -> tuple[list[MatchEvent], list[MatchEvent], list[MatchEvent]]:
    """The interleaved seed tie, a copy of it as tie "other", and both interleaved."""
    seed = interleaved_seed_tie()
    other = [
        e.model_copy(update={"tie_id": "other", "match_id": f"other-{e.match_id[-4:]}",
                             "event_id": f"other-{e.event_id}"})
        for e in seed
    ]  # fmt: skip
    return seed, other, [e for pair in zip(seed, other, strict=True) for e in pair]


def assert_told_and_ended_as_offline(broker: MemoryBroker, mixed: list[MatchEvent]) -> None:
    """Every moment in the order of the log, every tie's last update its offline fold."""
    told = [moment["id"] for moment in broker.on("moments")]
    assert told == offline_moment_ids_in_log_order(mixed)
    for tie_id, state in broker.latest().items():
        assert state.to_json() == offline([e for e in mixed if e.tie_id == tie_id]).to_json()
    assert set(broker.latest()) == {e.tie_id for e in mixed}


async def test_interleaved_legs_behind_another_ties_newer_record_are_healed_per_leg():
    """The issue's mechanism 1: a restore lost the seed tie's newest records while another
    tie's later record (and a later mark) survived, so catching up from the mark skips the
    seed tie's lost events; leg-2 events then arrive first. One offset per tie would have
    classed the lost leg-1 events as folded; positions per leg find and re-fold them."""
    seed, other, mixed = two_ties_interleaved()
    log = MemoryLog()
    first, table, _ = worker(log, mark_every=1)
    await live(first, log, mixed[:24])  # the seed tie's 12th event, then the other tie's
    seed_records = [i for i, (key, _) in enumerate(table.changelog) if key == SEED_TIE]
    second, _, broker = worker(log, table.restored(skip=seed_records[-3:]))
    await second.catch_up("match-events", 0, generation=0)
    await live(second, log, mixed[24:])
    assert broker.latest()[SEED_TIE].to_json() == offline(seed).to_json()
    assert broker.latest()["other"].to_json() == offline(other).to_json()


@pytest.mark.parametrize("stretch", [1, 5, 5000])
async def test_a_catch_up_of_interleaved_ties_ends_each_as_offline_with_its_moments_in_order(
    monkeypatch: pytest.MonkeyPatch, stretch: int
):
    """A catch-up folds stretches of the log tie by tie (for the CPU's caches); stretches
    that cut a tie's events anywhere change no tie's state, and its moments go out in the
    order of the log, as if folded message by message."""
    monkeypatch.setattr("streams.worker.processor.CATCH_UP_STRETCH", stretch)
    seed, other, mixed = two_ties_interleaved()
    log = MemoryLog()
    log.append_events(mixed)
    processor, table, broker = worker(log)
    assert await processor.catch_up("match-events", 0, generation=0) == len(mixed)
    assert_told_and_ended_as_offline(broker, mixed)
    for tie_id, events in ((SEED_TIE, seed), ("other", other)):
        stored = table.get(tie_id)
        assert stored is not None and stored.state.to_json() == offline(events).to_json()
    assert processor.expected[0] == len(mixed)  # the next offset it will fold


async def test_a_burst_of_interleaved_ties_with_an_offset_skipped_ends_each_as_offline():
    """A run of many messages (a burst) is folded tie by tie too, after the offsets that
    never reached the processor are read from the log into it."""
    _, _, mixed = two_ties_interleaved()
    log = MemoryLog()
    processor, _, broker = worker(log)
    await live(processor, log, mixed[:2])
    burst = log.append_events(mixed[2:])
    await processor.handle(burst[:10] + burst[11:])  # Faust skipped one offset
    assert (burst[10].offset, burst[11].offset) in log.reads
    assert_told_and_ended_as_offline(broker, mixed)
    assert processor.expected[0] == len(mixed)


# -- mechanism 2: offsets that never reach the processor ------------------------------------


async def test_offsets_skipped_on_delivery_are_read_from_the_log_before_folding_on():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    processor, _, broker = worker(log)
    await live(processor, log, events[:5])
    log.append_events(events[5:8])  # Faust logged GAP: 5-7 never reached the agent
    await live(processor, log, events[8:])
    assert (5, 8) in log.reads
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()


async def test_a_restart_with_nothing_new_to_read_publishes_the_newest_state_at_once():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    messages = log.append_events(events)
    first, table, _ = worker(log)
    await deliver(first, messages)
    second, _, broker = worker(log, table.restored(len(table.changelog) - 4))
    await second.catch_up("match-events", 0, generation=0)
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()


async def test_outputs_are_published_before_the_records_that_caused_them_are_stored():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    processor, table, broker = worker(log)
    await live(processor, log, events[:3])
    broker.fail = 1
    with pytest.raises(ConnectionError):
        await processor.publish([])  # the broker is down ...
    broker.fail = 2
    before = len(table.changelog)
    await live(processor, log, events[3:4])  # ... retried until it answers
    assert len(table.changelog) > before
    assert broker.latest()[SEED_TIE].version == 4


# -- fencing -------------------------------------------------------------------------------


async def test_a_worker_that_lost_its_partition_neither_publishes_nor_stores():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    group = Group()
    processor, table, broker = worker(log, group=group)
    await live(processor, log, events[:4])
    messages = log.messages + log.append_events(events[4:])
    published, stored = len(broker.published), len(table.changelog)
    group.partitions = set()  # revoked while it was paused
    await deliver(processor, messages[4:8])
    group.partitions, group.generation = {0}, 1
    group.is_leased = False  # owner again in a new generation, but no heartbeat yet
    await deliver(processor, messages[4:8], generation=0)  # buffered from the old one
    assert (len(broker.published), len(table.changelog)) == (published, stored)


# -- batches over several partitions ------------------------------------------------------


async def test_a_batch_over_two_partitions_publishes_both_before_waiting_for_either_ack():
    """Both legs' worth of the seed tie in partition 0 and another tie in partition 1: the
    second partition's outputs leave while the first's are still unacknowledged, and
    nothing is stored before its own outputs are acknowledged."""
    one, _ = leg_feeds()
    other = MatchFeed(
        "2025-concacaf-qf-other", "2025-concacaf-qf-other-leg1", "Inter Miami", "LAFC"
    )
    feeds = {0: [one.scheduled(leg=1), one.starts("first_half", 0)]}
    feeds[1] = [other.scheduled(leg=1), other.starts("first_half", 0)]
    batch = [
        Incoming(TOPIC, partition, offset, e.tie_id.encode(), encode_event(e))
        for partition, events in feeds.items()
        for offset, e in enumerate(events)
    ]
    acks = asyncio.Event()
    waiting: list[set[bytes]] = []

    async def publish(outputs):
        waiting.append({o.key for o in outputs if o.topic == "tie-scores"})
        await acks.wait()

    table = MemoryTable()
    processor = TieProcessor(
        store=table,
        publish=publish,
        log=MemoryLog(),
        owner=Group(partitions={0, 1}),
        outputs=OUTPUTS,
        healing=False,
    )
    handled = asyncio.ensure_future(processor.handle(batch))
    for _ in range(100):
        if len(waiting) == 2:
            break
        await asyncio.sleep(0.01)
    assert waiting == [{SEED_TIE.encode()}, {b"2025-concacaf-qf-other"}]
    assert table.get(SEED_TIE) is None and not table.changelog  # nothing acknowledged yet
    acks.set()
    await handled
    assert (
        table.get(SEED_TIE).state.version == table.get("2025-concacaf-qf-other").state.version == 2
    )


# -- bad input: every kind ends in a dead letter with its reason ----------------------------


async def test_bad_input_of_every_kind_is_dead_lettered_with_its_reason_and_a_bounded_copy():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    key = SEED_TIE.encode()
    good = log.append_events(events[:6])
    goal = events[4]
    forged = goal.model_copy(update={"scorer": "Lionel Messi", "seq": 40})
    huge = b'{"x": "' + b"y" * (5 * MAX_EVENT_BYTES) + b'"}'
    bad = [
        log.append(b"\xff\xfe not json", key),
        log.append(huge, key),
        log.append(orjson.dumps(forged.model_dump(mode="json")), key),
        log.append(good[5].value, b"another-tie"),
        log.append(
            orjson.dumps({**events[10].model_dump(mode="json"), "tie_id": "ghost"}), b"ghost"
        ),
        log.append(None, key),
    ]
    processor, _, broker = worker(log)
    await deliver(processor, good + bad)
    letters = broker.on("dead-letters")
    assert [letter["reason"] for letter in letters] == [
        "invalid_event",
        "too_large",
        "conflicting_duplicate",
        "wrong_key",
        "unknown_match",
        "invalid_event",
    ]
    assert [letter["offset"] for letter in letters] == [m.offset for m in bad]
    big = letters[1]
    assert (big["size"], big["truncated"]) == (len(huge), True)
    assert big["sha256"] == hashlib.sha256(huge).hexdigest()
    assert len(base64.b64decode(big["original_base64"])) == 2048
    assert all(len(orjson.dumps(letter)) < 8192 for letter in letters)
    assert log.reads[0] == (0, None) and len(log.reads) == 1  # the unknown tie: no scan
    assert broker.latest()[SEED_TIE].version == 6


async def test_no_valid_input_can_grow_a_tie_past_the_record_limit():
    """The `tie-scores` update holds the public state, which grows with the goals that stand
    (the record holds its headline, the raw events are in the tie's history, in chunks each
    under the limit)."""
    feed = MatchFeed("marathon", "marathon-m", "Inter Miami", "LAFC")
    names = {"scorer": "A" * 100, "assist": "B" * 100}
    events = [feed.scheduled(rules="league"), feed.starts("first_half", 0)]
    events += [feed.goal("LAFC", 10, **names) for _ in range(4000)]
    log = MemoryLog()
    processor, table, broker = worker(log)
    await processor.handle(log.append_events(events))
    stored = table.get("marathon")
    assert stored is not None and len(encode_tie(stored.state)) <= MAX_RECORD_BYTES
    assert len(encode_tie(stored.state)) > MAX_RECORD_BYTES - 1000  # it was cut at the limit
    updates = [o.value for o in broker.published if o.topic == "tie-scores"]
    assert updates and all(len(value) <= MAX_RECORD_BYTES for value in updates)
    refused = [m for m in broker.on("dead-letters") if m["reason"] == "tie_too_large"]
    assert refused and len(refused) + stored.state.version == len(events)
    assert all(len(value) <= MAX_RECORD_BYTES for _, value in table.changelog)
    restored = table.restored().get("marathon")
    assert restored is not None and restored.state == stored.state


# -- the changelog: each event once, in the tie's history ---------------------------------


def history(table) -> list[tuple[str, list[str]]]:
    """The history chunks written, in order: key and the ids of the events in it."""
    return [
        (key, [e["event_id"] for e in orjson.loads(value)["events"]])
        for key, value in table.changelog
        if key.startswith("\x00ev\x00")
    ]


async def test_a_live_feed_writes_each_event_once_in_one_chunk_per_run_and_no_event_twice():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    processor, table, _ = worker(log)
    await live(processor, log, events)
    chunks = history(table)
    assert [ids for _, ids in chunks] == [[e.event_id] for e in events]
    assert [key for key, _ in chunks] == [
        f"\x00ev\x00{SEED_TIE}\x00{n}" for n in range(len(events))
    ]
    records = [value for key, value in table.changelog if key == SEED_TIE]
    assert len(records) == len(events)
    assert not any(b'"timeline"' in record or b'"held"' in record for record in records)


def test_a_dense_matchs_changelog_grows_with_its_events_not_with_their_square():
    """Each record holds the tie's headline, the same size from the first goal to the
    three-hundredth; the goals are in the history once (the benchmark's dense match)."""
    half, whole = changelog_bytes_dense_match(600), changelog_bytes_dense_match(1200)
    assert whole < 2.1 * half


async def test_a_backlog_writes_one_chunk_per_tie_and_run_with_both_legs_in_arrival_order():
    events = interleaved_seed_tie()
    log = MemoryLog()
    processor, table, _ = worker(log)
    await processor.handle(log.append_events(events[:10]))
    await processor.handle(log.append_events(events[10:]))
    assert history(table) == [
        (f"\x00ev\x00{SEED_TIE}\x000", [e.event_id for e in events[:10]]),
        (f"\x00ev\x00{SEED_TIE}\x0010", [e.event_id for e in events[10:]]),
    ]


async def test_a_restored_tie_is_rebuilt_from_its_history_as_the_offline_fold():
    events = interleaved_seed_tie()
    log = MemoryLog()
    processor, table, _ = worker(log)
    await live(processor, log, events[:9])
    await processor.handle(log.append_events(events[9:]))
    restored = table.restored()
    assert isinstance(restored.data[SEED_TIE], SlimRecord)
    rebuilt = restored.get(SEED_TIE)
    assert rebuilt is not None
    assert rebuilt.state.to_snapshot() == offline(events).to_snapshot()
    assert rebuilt == table.get(SEED_TIE)


def as_a_feed_might_send(event: MatchEvent) -> bytes:
    """Valid, but not as the worker writes events: keys in reverse order, indented, nulls
    spelt out, and (goals aside, whose version 1 differs) without a schema version."""
    data = event.model_dump(mode="json")
    if event.type != "goal_scored":
        del data["schema_version"]  # version 1
    return orjson.dumps(dict(reversed(data.items())), option=orjson.OPT_INDENT_2)


async def test_a_tie_fed_valid_json_of_any_form_is_rebuilt_from_its_history_as_the_offline_fold():
    """The history keeps each event as the bytes it arrived in (not serialized again), and
    they read back as the same events, upcast."""
    events = interleaved_seed_tie()
    log = MemoryLog()
    processor, table, _ = worker(log)
    sent = [log.append(as_a_feed_might_send(e), e.tie_id.encode()) for e in events]
    await processor.handle(sent[:9])
    await processor.handle(sent[9:])
    chunks = b"".join(raw for key, raw in table.changelog if key.startswith("\x00ev\x00"))
    assert all(message.value in chunks for message in sent)
    rebuilt = table.restored().get(SEED_TIE)
    assert rebuilt is not None
    assert rebuilt.state.to_snapshot() == offline(events).to_snapshot()


async def test_corrections_after_a_restore_are_folded_into_the_rebuilt_history():
    """Leg 1 with a hole (seq 3 arrives late) and a goal the feed later retracts: after a
    restart the worker has only the slim record and the history, and both corrections
    still re-fold the match as the offline fold does."""
    one, _ = leg_feeds()
    events = [
        one.scheduled(leg=1, rules="league"),
        one.starts("first_half", 0),
        one.goal("LAFC", 10, scorer="Denis Bouanga"),
        one.goal("Inter Miami", 30, scorer="Lionel Messi"),  # seq 3: arrives last
        one.goal("Inter Miami", 40, scorer="Luis Suárez"),
        one.ends("first_half", 45),
    ]
    retraction = one.event("event_retracted", 46, retracted_event_id=events[2].event_id)
    late, order = events[3], [*events[:3], *events[4:]]
    log = MemoryLog()
    first, table, _ = worker(log)
    await live(first, log, order)
    assert first.store.get(SEED_TIE).state.complete is False
    second, _, broker = worker(log, table.restored())
    await second.catch_up("match-events", 0, generation=0)
    await live(second, log, [retraction, late])
    final = broker.latest()[SEED_TIE]
    assert final.to_json() == offline([*order, retraction, late]).to_json()
    assert final.complete and final.legs[0].score == {"LAFC": 0, "Inter Miami": 2}


async def test_a_history_chunk_lost_on_restore_makes_the_partition_be_rebuilt_from_the_log():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    first, table, _ = worker(log)
    await live(first, log, events[:-1])
    lost = next(i for i, (key, _) in enumerate(table.changelog) if key.endswith("\x005"))
    second, _, broker = worker(log, table.restored(skip=[lost]))
    await second.catch_up("match-events", 0, generation=0)
    await live(second, log, events[-1:])  # the tie is touched: its history has a hole
    assert log.reads[-1] == (0, None)  # from the start, not from the restored mark
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()
    assert second.store.get(SEED_TIE).state.to_snapshot() == offline(events).to_snapshot()


async def test_ties_whose_history_was_lost_are_all_rebuilt_in_one_pass_over_the_log():
    ties = [seed_as(load_events(*SEED_FILES), f"copy-{n}") for n in range(3)]
    log = MemoryLog()
    first, table, _ = worker(log)
    for events in ties:
        await live(first, log, events[:-1])
    lost = [i for i, (key, _) in enumerate(table.changelog) if key.endswith("\x005")]
    assert len(lost) == 3  # the chunk of each tie's sixth event
    second, _, broker = worker(log, table.restored(skip=lost))
    reads = len(log.reads)
    await second.catch_up("match-events", 0, generation=0)
    await live(second, log, [events[-1] for events in ties])
    assert log.reads[reads:].count((0, None)) == 1
    for events in ties:
        assert broker.latest()[events[0].tie_id].to_json() == offline(events).to_json()


async def test_a_paused_workers_late_history_chunk_does_not_replace_the_new_owners():
    """A worker folds a run, then is paused before its changelog writes leave; the new owner
    folds the same events and more into a chunk under the same key; the paused worker's
    writes land after it. A restore keeps the new owner's chunk (it was folded further), so
    the tie is rebuilt from its history, not from the start of the log."""
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    paused, table, _ = worker(log)
    await live(paused, log, events[:10])
    before_pause = len(table.changelog)
    await paused.handle(log.append_events(events[10:13]))  # its writes have not left yet
    late = table.changelog[before_pause:]
    log.append_events(events[13:16])
    new_owner, owners_table, _ = worker(log, table.restored(before_pause))
    await new_owner.catch_up("match-events", 0, generation=0)
    restored = MemoryTable(changelog=[*owners_table.changelog, *late]).restored()
    reads = len(log.reads)
    third, _, broker = worker(log, restored)
    await third.catch_up("match-events", 0, generation=0)
    await live(third, log, events[16:])
    assert (0, None) not in log.reads[reads:]  # no rebuild from the start of the log
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()


async def test_a_finished_tie_kept_slim_still_knows_a_redelivered_event_from_a_forged_one():
    events = load_events(*SEED_FILES)
    log = MemoryLog()
    processor, table, broker = worker(log)
    await live(processor, log, events)
    assert isinstance(table.data[SEED_TIE], PackedRecord)  # finished: kept as its bytes
    forged = events[4].model_copy(update={"scorer": "Lionel Messi"})
    await deliver(processor, log.append_events([events[4], forged]))
    assert [m["reason"] for m in broker.on("dead-letters")] == ["conflicting_duplicate"]
    assert broker.latest()[SEED_TIE].to_json() == offline(events).to_json()
