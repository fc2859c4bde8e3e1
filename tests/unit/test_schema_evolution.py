"""The log outlives the code: events and table records written before schema versions
(frozen in tests/fixtures/schema-v1) still parse, upcast and fold to the same result, though
version 2 changed a field of the goal event."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streams.codecs import TieRecord, decode_record, encode_record
from tracker import InvalidEvent, TieState, fold, new_tie, parse_event
from tracker.events import BodyPart, GoalKind, GoalScored, event_json_schema
from tracker.upcasting import EVENT_SCHEMA_VERSION, upcast_event

V1 = Path(__file__).resolve().parents[1] / "fixtures" / "schema-v1"
TIES = ["seed", "uefa-extra-time-shootout"]


def v1_events(name: str) -> list:
    return [parse_event(line) for line in (V1 / f"{name}.events.jsonl").read_bytes().splitlines()]


def corrected(state: TieState) -> TieState:
    """Version 1's fold missed one statistic: a goal VAR overturned did not count as
    disallowed (its re-fold looked the goal up in a timeline it had not rebuilt yet)."""
    legs = []
    for leg in state.legs:
        stats = dict(leg.stats)
        for review in leg.var_reviews:
            if review.outcome == "overturned" and review.about == "goal" and review.team:
                stats[review.team] = stats[review.team].model_copy(
                    update={"disallowed_goals": stats[review.team].disallowed_goals + 1}
                )
        legs.append(leg.model_copy(update={"stats": stats}))
    return state.model_copy(update={"legs": tuple(legs)})


@pytest.mark.parametrize("name", TIES)
def test_a_version_1_log_folds_to_the_tie_version_1_published(name):
    then = TieState.from_json((V1 / f"{name}.tie.json").read_bytes())
    now = fold(v1_events(name), new_tie(then.tie_id))
    assert now.to_json() == corrected(then).to_json()
    assert now.version == then.version


@pytest.mark.parametrize("name", TIES)
def test_a_version_1_table_record_is_read_with_its_events_upcast(name):
    events = v1_events(name)
    record = decode_record((V1 / f"{name}.record.json").read_bytes())
    then = TieState.from_json((V1 / f"{name}.tie.json").read_bytes())
    assert record.state.to_json() == then.to_json()
    assert [e for leg in record.state.legs for e in leg.timeline] == sorted(
        events, key=lambda e: (e.match_id, e.seq)
    )
    assert decode_record(encode_record(record)) == record  # rewritten as version 2
    assert orjson.loads(encode_record(record))["schema_version"] == 2
    assert fold(events, record.state) is record.state  # redelivered: all duplicates


def test_version_2_says_a_header_is_an_open_play_goal_with_the_head():
    headers = [
        line
        for line in (V1 / "uefa-extra-time-shootout.events.jsonl").read_bytes().splitlines()
        if b'"kind":"header"' in line
    ]
    assert len(headers) == 2 and b"schema_version" not in headers[0]
    event = parse_event(headers[0])
    assert isinstance(event, GoalScored)
    assert (event.kind, event.body_part, event.schema_version) == (
        GoalKind.OPEN_PLAY,
        BodyPart.HEAD,
        EVENT_SCHEMA_VERSION,
    )
    assert b'"schema_version":2' in event.model_dump_json().encode()
    with pytest.raises(InvalidEvent, match="kind"):
        parse_event(headers[0].replace(b"{", b'{"schema_version":2,', 1))


def test_an_upcaster_leaves_other_events_and_current_versions_alone():
    goal = {"type": "goal_scored", "kind": "penalty", "body_part": "right_foot"}
    assert upcast_event(goal) == {**goal, "schema_version": 2}
    current = {**goal, "schema_version": 2, "kind": "header"}
    assert upcast_event(current) is current  # a current event is validated as it is


def test_an_event_from_a_newer_schema_is_refused_saying_so():
    line = (V1 / "seed.events.jsonl").read_bytes().splitlines()[0]
    with pytest.raises(InvalidEvent) as raised:
        parse_event(line.replace(b"{", b'{"schema_version":3,', 1))
    assert raised.value.field == "schema_version"
    assert "newer tracker" in str(raised.value)


def test_the_generated_json_schema_shows_the_version():
    schema = event_json_schema()
    goal = schema["$defs"]["GoalScored"]["properties"]
    assert goal["schema_version"]["const"] == 2
    assert "header" not in schema["$defs"]["GoalKind"]["enum"]


def test_a_record_keeps_its_held_events_and_refusals_through_the_codec(seed_events):
    early = [e for e in seed_events if e.match_id.endswith("leg2")]
    tie = fold([*seed_events[:7], early[0], early[2]], new_tie(early[0].tie_id))
    assert tie.legs[1].held  # leg 2's goal came before its kick-off
    record = TieRecord(state=tie, partition=1, offset=9, positions={early[0].match_id: 8})
    assert decode_record(encode_record(record)).state.to_snapshot() == tie.to_snapshot()
