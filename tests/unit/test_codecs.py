"""The wire and table codecs: lossless, and dead letters that keep the original bytes."""

from __future__ import annotations

import base64

import orjson
import pytest

from streams.codecs import TieRecord, dead_letter, decode_event, decode_record, encode_record
from tests.seed import SEED_TIE as TIE
from tracker import InvalidEvent, fold, new_tie


def test_a_tie_record_round_trips_with_its_timelines(seed_events):
    record = TieRecord(state=fold(seed_events, new_tie(TIE)), partition=5, offset=21)
    again = decode_record(encode_record(record))
    assert again == record
    assert again.state.to_snapshot() == record.state.to_snapshot()
    assert encode_record(again) == encode_record(record)


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
