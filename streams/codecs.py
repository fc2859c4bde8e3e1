"""Serialization of everything on the wire: orjson for JSON, pydantic to validate at the edge."""

from __future__ import annotations

import base64
import itertools
from typing import Any

import orjson
from faust.serializers import codecs
from pydantic import BaseModel, ConfigDict

from tracker import MatchEvent, MatchState, TieState, event_from_dict
from tracker.errors import InvalidEvent
from tracker.moments import Moment


def decode_event(raw: bytes | None) -> MatchEvent:
    """One event from its wire bytes; :class:`InvalidEvent` names what was wrong."""
    if raw is None:
        raise InvalidEvent("(message)", "empty message (no value)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidEvent("(json)", f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidEvent("(json)", f"expected a JSON object, got {type(data).__name__}")
    return event_from_dict(data)


def encode_event(event: MatchEvent) -> bytes:
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def encode_tie(state: TieState) -> bytes:
    return state.to_json().encode()


def decode_tie(raw: bytes) -> TieState:
    return TieState.from_json(raw)


def encode_moment(moment: Moment) -> bytes:
    return moment.model_dump_json().encode()


class TieRecord(BaseModel):
    """The tie table's value: the tie state and the source position it has folded."""

    model_config = ConfigDict(frozen=True)

    state: TieState
    partition: int
    offset: int


class _EventJsonCache:
    """Each event's JSON, made once: a tie record carries every event of its legs, so
    serializing them afresh on every update would cost O(events) each time. Keyed by object
    identity, holding the event so the identity cannot be reused while cached."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.entries: dict[int, tuple[MatchEvent, bytes]] = {}

    def __call__(self, event: MatchEvent) -> bytes:
        hit = self.entries.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        data = event.__pydantic_serializer__.to_json(event)
        if len(self.entries) >= self.limit:
            for key in list(itertools.islice(self.entries, self.limit // 10)):
                del self.entries[key]
        self.entries[id(event)] = (event, data)
        return data


_event_json = _EventJsonCache()


def _leg_private(leg: MatchState) -> bytes:
    """What the public JSON leaves out of a leg: its events (from the cache) and refusals."""
    return b'{"timeline":[%s],"held":[%s],"refused":%s}' % (
        b",".join(map(_event_json, leg.timeline)),
        b",".join(map(_event_json, leg.held)),
        orjson.dumps([refusal.model_dump() for refusal in leg.refused]),
    )


def encode_record(record: TieRecord) -> bytes:
    """The record as JSON: the public state, then each leg's events from cached JSON."""
    private = b",".join(
        orjson.dumps(leg.match_id) + b":" + _leg_private(leg) for leg in record.state.legs
    )
    return b'{"partition":%d,"offset":%d,"state":%s,"legs":{%s}}' % (
        record.partition,
        record.offset,
        record.state.to_json().encode(),
        private,
    )


def decode_record(raw: bytes) -> TieRecord:
    data = orjson.loads(raw)
    private = data.pop("legs")
    for leg in data["state"]["legs"]:
        leg.update(private[leg["match_id"]])
    return TieRecord.model_validate(data)


class TieRecordCodec(codecs.Codec):
    """Faust codec for the tie table (Faust cannot take a pydantic class as value_type)."""

    def _dumps(self, obj: Any) -> bytes:
        assert isinstance(obj, TieRecord)
        return encode_record(obj)

    def _loads(self, s: bytes) -> Any:
        return decode_record(s)


TIE_RECORD_CODEC = "tie_record"
codecs.register(TIE_RECORD_CODEC, TieRecordCodec())


def dead_letter(
    raw: bytes | None,
    *,
    reason: str,
    error: str,
    field: str | None,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
) -> bytes:
    """A dead-letter record: why, where from, and the original bytes (text and base64)."""
    original = raw or b""
    return orjson.dumps(
        {
            "reason": reason,
            "error": error,
            "field": field,
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "key": key.decode("utf-8", "replace") if key is not None else None,
            "original": original.decode("utf-8", "replace"),
            "original_base64": base64.b64encode(original).decode(),
        }
    )
