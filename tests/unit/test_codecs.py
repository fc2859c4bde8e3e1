"""The wire and table codecs: lossless, and dead letters that keep the original bytes."""

from __future__ import annotations

import base64

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from streams.codecs import (
    HistoryChunk,
    SlimRecord,
    TieRecord,
    dead_letter,
    decode_event,
    decode_record,
    decode_table_value,
    encode_record,
    encode_table_value,
    encode_tie,
    encode_tie_and_legs,
    is_newer,
    state_digest,
)
from streams.worker.history import Unrestorable, history_writes, rebuild
from tests.seed import SEED_TIE as TIE
from tests.strategies import tie_streams
from tracker import InvalidEvent, MatchState, evolve, fold, new_tie


def test_a_tie_record_holds_no_event_and_its_history_chunks_give_the_timelines_back(
    seed_events,
):
    record = TieRecord(state=fold(seed_events, new_tie(TIE)), partition=5, offset=21)
    raw = encode_record(record)
    assert b"timeline" not in raw and seed_events[3].event_id.encode() not in raw
    again = decode_record(raw)
    assert isinstance(again, SlimRecord) and encode_record(again) == raw
    chunks = {
        key: decode_table_value(encode_table_value(chunk))
        for key, chunk in history_writes(None, record, seed_events)
    }
    assert len(chunks) == 1  # one run's events: one chunk
    rebuilt = rebuild(again, chunks.get)
    assert rebuilt == record
    assert rebuilt.state.to_snapshot() == record.state.to_snapshot()


def test_a_tie_record_holds_the_headline_of_the_tie_and_a_digest_of_its_legs(
    seed_events,
):
    tie = fold(seed_events, new_tie(TIE))
    again = decode_record(encode_record(TieRecord(state=tie, partition=5, offset=21)))
    headline = again.state
    assert (headline.aggregate, headline.advancing, headline.status) == (
        {"Inter Miami": 3, "LAFC": 2},
        "Inter Miami",
        "finished",
    )
    assert (headline.version, headline.legs) == (tie.version, ())  # the history has them
    assert isinstance(again, SlimRecord) and again.digest == state_digest(encode_tie(tie))


def test_a_record_whose_history_folds_to_another_state_is_not_trusted(seed_events):
    """The digest is checked: a history that gives back the version but not the state (a
    damaged chunk, a fold changed since) cannot pass for the record."""
    record = TieRecord(state=fold(seed_events, new_tie(TIE)), partition=5, offset=21)
    [(key, chunk)] = history_writes(None, record, seed_events)
    goal = next(e for e in reversed(seed_events) if e.type == "goal_scored" and e.minute)
    later = goal.model_copy(update={"minute": goal.minute + 1})
    events = [later if event is goal else event for event in seed_events]
    [(_, other)] = history_writes(None, record, events)
    slim = decode_record(encode_record(record))
    assert isinstance(slim, SlimRecord)
    assert rebuild(slim, {key: chunk}.get) == record
    with pytest.raises(Unrestorable, match="fold to another state"):
        rebuild(slim, {key: other}.get)


def test_a_history_chunk_keeps_the_offset_it_was_folded_through_and_the_further_one_wins(
    seed_events,
):
    record = TieRecord(state=fold(seed_events, new_tie(TIE)), partition=5, offset=21)
    [(_, chunk)] = history_writes(None, record, seed_events)
    again = decode_table_value(encode_table_value(chunk))
    assert isinstance(again, HistoryChunk) and again == chunk and again.through == 21
    assert again.events() == seed_events
    early = TieRecord(state=fold(seed_events[:4], new_tie(TIE)), partition=5, offset=9)
    [(_, shorter)] = history_writes(None, early, seed_events[:4])  # the same key, folded less
    assert is_newer(chunk, shorter) and not is_newer(shorter, chunk)
    before_through = HistoryChunk(chunk.raw)  # as written before chunks kept it
    assert decode_table_value(before_through.raw).through == -1
    assert is_newer(chunk, before_through)


def test_a_message_that_is_not_an_event_names_what_is_wrong():
    with pytest.raises(InvalidEvent) as not_json:
        decode_event(b"\xff\xfe")
    assert not_json.value.field == "(json)"
    with pytest.raises(InvalidEvent) as not_object:
        decode_event(b"[1, 2]")
    assert "JSON object" in str(not_object.value)
    with pytest.raises(InvalidEvent):
        decode_event(None)


def test_a_dead_letter_keeps_the_original_bytes_and_where_they_came_from():
    letter = orjson.loads(
        dead_letter(
            b"\xffnot json",
            reason="invalid_event",
            error="not JSON",
            field="(json)",
            topic="match-events",
            partition=3,
            offset=41,
            key=TIE.encode(),
        )
    )
    assert base64.b64decode(letter["original_base64"]) == b"\xffnot json"
    assert (letter["topic"], letter["partition"], letter["offset"], letter["key"]) == (
        "match-events",
        3,
        41,
        TIE,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tie_streams())
def test_the_tie_json_built_with_its_legs_once_is_the_public_json_byte_for_byte(events):
    """Also when the legs of the step before are known (as a worker keeps the finished
    ones): only a leg that is the very same object may be taken from there."""
    state = new_tie(events[0].tie_id)
    known: dict[str, tuple[MatchState, bytes]] = {}
    for event in events:
        state = evolve(state, event)
        for legs_known in ({}, known):
            tie, legs = encode_tie_and_legs(state, legs_known)
            assert tie == state.to_json().encode()
            assert legs == {leg.match_id: leg.to_json().encode() for leg in state.legs}
        known = {leg.match_id: (leg, legs[leg.match_id]) for leg in state.legs}
