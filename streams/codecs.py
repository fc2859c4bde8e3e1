"""Serialization of everything on the wire: orjson for JSON, pydantic to validate at the edge."""

from __future__ import annotations

import base64
from typing import Any

import orjson
from faust.serializers import codecs
from pydantic import BaseModel, ConfigDict

from tracker import MatchEvent, TieState, event_from_dict
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


class TieRecordCodec(codecs.Codec):
    """Faust codec for the tie table (Faust cannot take a pydantic class as value_type)."""

    def _dumps(self, obj: Any) -> bytes:
        assert isinstance(obj, TieRecord)
        return obj.model_dump_json().encode()

    def _loads(self, s: bytes) -> Any:
        return TieRecord.model_validate_json(s)


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
