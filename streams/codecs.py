"""Serialization of everything on the wire: orjson for JSON, pydantic to validate at the edge."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import orjson
from faust.serializers import codecs
from pydantic import BaseModel, ConfigDict, ValidationError

from tracker import MatchEvent, MatchState, TieState, event_from_dict
from tracker.errors import InvalidEvent
from tracker.events import EVENT_ADAPTER, not_an_object
from tracker.moments import Moment
from tracker.upcasting import upcast_event

#: The largest message `match-events` may carry. An event is a few hundred bytes (a few KB
#: with every field at its bound); anything bigger is refused before it is parsed.
MAX_EVENT_BYTES = 64 * 1024
#: The largest tie record or update the worker writes: far below the producer's and the
#: broker's limit, so no input, valid or not, can make a record they refuse.
MAX_RECORD_BYTES = 1024 * 1024
#: How much of a refused message a dead letter keeps (with its size and hash).
DEAD_LETTER_PREVIEW_BYTES = 2048


class MessageTooLarge(InvalidEvent):
    """A message over :data:`MAX_EVENT_BYTES`: refused unread."""

    def __init__(self, size: int) -> None:
        super().__init__("(message)", f"{size} bytes, over the {MAX_EVENT_BYTES}-byte limit")
        self.size = size


#: pydantic's own validator of the event union, called without `TypeAdapter.validate_json`'s
#: Python wrapper (its keyword handling was 1.5k of the 27k instructions a decode takes).
_validate_event_json = EVENT_ADAPTER.validator.validate_json


def decode_event(raw: bytes | None) -> MatchEvent:
    """One event from its wire bytes; :class:`InvalidEvent` names what was wrong."""
    if raw is None:
        raise InvalidEvent("(message)", "empty message (no value)")
    if len(raw) > MAX_EVENT_BYTES:
        raise MessageTooLarge(len(raw))
    # Fast path: pydantic validates current events straight from the bytes (measured 5.9 µs
    # an event, against 10.9 through orjson and a dict). An old schema version, or anything
    # it refuses, takes the path below, which upcasts or names what is wrong.
    try:
        event: MatchEvent = _validate_event_json(raw)
    except ValidationError:
        pass
    else:
        if "schema_version" in event.__pydantic_fields_set__:  # model_fields_set, less a call
            return event
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidEvent("(json)", f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidEvent("(json)", not_an_object(data))
    return event_from_dict(data)


def wrong_key(key: bytes | None, tie_id: str) -> str:
    """Why a message under ``key`` is not folded with tie ``tie_id``: keyed by tie id, both
    legs of a tie share a partition and are folded in order; under any other key the event
    would be folded apart from its tie (the worker dead-letters it; a replay skips it)."""
    shown = "no key" if key is None else f"key {key[:100]!r}"
    return f"message has {shown}, not the event's tie_id {tie_id!r}"


def encode_event(event: MatchEvent) -> bytes:
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def encode_tie(state: TieState) -> bytes:
    """The tie's public JSON (`tie-scores`), byte for byte ``state.to_json()``."""
    return encode_tie_and_legs(state)[0]


#: A leg and its public JSON (``leg.to_json()``), kept to serialize it only once.
KnownLegs = Mapping[str, tuple[MatchState, bytes]]


def encode_tie_and_legs(
    state: TieState, known: KnownLegs | None = None
) -> tuple[bytes, dict[str, bytes]]:
    """The tie's public JSON and each leg's (`match-updates`, ``leg.to_json()``) by match
    id: the legs are serialized once for both (a live event serialized its leg twice: 23 µs
    of its outputs' cost), and a leg found in ``known`` as the very same (immutable) object
    not at all: a finished first leg was serialized again for each event of the second."""
    legs: dict[str, bytes] = {}
    for leg in state.legs:
        seen = known.get(leg.match_id) if known else None
        legs[leg.match_id] = seen[1] if seen is not None and seen[0] is leg else leg_json(leg)
    head = state.__pydantic_serializer__.to_json(state, exclude=_TIE_HEAD_EXCLUDE)
    # TieState's last two fields are ``legs`` and ``version``, in that order.
    tie = b'%s,"legs":[%s],"version":%d}' % (head[:-1], b",".join(legs.values()), state.version)
    return tie, legs


_TIE_HEAD_EXCLUDE = {"legs", "version"}


def leg_json(leg: MatchState) -> bytes:
    """A leg's public JSON (`match-updates`), as in its tie's."""
    return leg.to_json().encode()


def decode_tie(raw: bytes) -> TieState:
    return TieState.from_json(raw)


def encode_moment(moment: Moment) -> bytes:
    # The serializer itself: ``model_dump_json().encode()`` gives the same bytes, through a
    # str and pydantic's keyword handling (1.4 µs a moment, against 2.3).
    return moment.__pydantic_serializer__.to_json(moment)


class TieRecord(BaseModel):
    """The tie table's value: the tie state and the source positions it has folded.

    ``positions`` maps each match to the offset of `match-events` through which every event
    of that match has been folded: two legs may interleave in the log, so one offset per tie
    could not say it. ``offset`` is the newest offset folded into the tie.
    """

    model_config = ConfigDict(frozen=True)

    state: TieState
    partition: int
    offset: int
    positions: dict[str, int] = {}


class PartitionMark(BaseModel):
    """The folded-through watermark of one `match-events` partition, written to the table's
    changelog after the records it covers: every offset below ``offset`` is in the table
    (folded, or dead-lettered). A restored table starts catching up from here."""

    model_config = ConfigDict(frozen=True)

    partition: int
    offset: int


def mark_key(partition: int) -> str:
    """The table key of a partition's mark; no tie id can take it (ids are printable)."""
    return f"\x00folded-through\x00{partition}"


class SlimRecord(TieRecord):
    """A record as the changelog holds it since schema version 3, never folded: the store
    rebuilds the full state from the tie's history chunks first (`streams.worker.history`)
    and trusts it only if it reads as the record says.

    Since version 4 its ``state`` is the tie's *headline*: the tie's own derived state
    (teams, rules, status, aggregate, away goals, who goes through and why, goals needed,
    winner, version) without its legs, whose goals, cards and reviews grow with the events;
    ``digest`` is the hash of the whole public state (:func:`state_digest`), what the
    rebuilt state must give. A version 3 record has the whole public state and no digest."""

    digest: str | None = None

    def is_state_of(self, state: TieState, state_json: bytes) -> bool:
        """Whether ``state`` (a rebuilt one, ``state_json`` its public JSON) is this
        record's."""
        if state.version != self.state.version:
            return False
        if self.digest is None:
            return state_json == encode_tie(self.state)
        return state_digest(state_json) == self.digest


@dataclass(frozen=True)
class PackedRecord:
    """A finished tie as a worker keeps it in memory: the bytes of its record (what the
    changelog holds) and its version, a fraction of the memory of the decoded record. A
    tie that hears of anything again is decoded and rebuilt from its history first."""

    raw: bytes
    version: int


class InlineRecord(TieRecord):
    """A record of schema version 1 or 2: the full state, every event of its legs inline.
    Its history is in no chunk, so the first write after it starts the chunks with a
    snapshot of it."""


@dataclass(frozen=True)
class HistoryChunk:
    """Part of a tie's history, under :func:`chunk_key`: events the tie received
    (``{"events": [...]}``), or a snapshot of the full record the history starts from
    (``{"snapshot": <schema 2 record>}``). Kept as its bytes; read only when a tie is
    rebuilt.

    ``through`` is the `match-events` offset the tie was folded through when the chunk was
    written (the record's ``offset``; -1 in chunks written before it was kept). A key is
    written again only by a worker that folded the same events again, after a crash or a
    takeover, and that worker has read at least as far: so of two chunks under one key the
    one with the higher ``through`` is the one its records chain to, even when a paused
    worker's late write reaches the changelog after it (:func:`is_newer`)."""

    raw: bytes
    through: int = -1

    @property
    def is_snapshot(self) -> bool:
        return self.raw.startswith(_SNAPSHOT_PREFIX)

    def events(self) -> list[MatchEvent]:
        """The events of an events chunk, upcast to the current schema."""
        return [event_from_dict(data) for data in orjson.loads(self.raw)["events"]]

    def snapshot(self) -> TieRecord:
        """The record a snapshot chunk holds, with every event of its legs."""
        return decode_record(self.raw[len(_SNAPSHOT_PREFIX) : -1])


_EVENTS_PREFIX = b'{"events":['
_SNAPSHOT_PREFIX = b'{"snapshot":'
#: A chunk in the changelog starts with its ``through`` offset: ``{"through":N,"events":...``.
_THROUGH_PREFIX = b'{"through":'
#: An events chunk is cut before it passes this size (a run under a backlog can hold
#: thousands of events of one tie); one event is at most :data:`MAX_EVENT_BYTES`.
CHUNK_BYTES = MAX_RECORD_BYTES // 2


def chunk_key(tie_id: str, first: int) -> str:
    """The table key of the chunk of ``tie_id``'s history that starts with its event number
    ``first`` (0-based, in the order the tie received them: its version before it)."""
    return f"\x00ev\x00{tie_id}\x00{first}"


#: An event a tie received, for its history: the event, or the bytes it was decoded from
#: (the worker has them at hand, and serializing each event again was 4 µs of every one).
#: Either reads back as the same event: `HistoryChunk.events` decodes and upcasts them.
Received = MatchEvent | bytes


def event_chunks(
    events: Sequence[Received], first: int, through: int = -1
) -> list[tuple[int, HistoryChunk]]:
    """``events`` (the tie's numbers ``first``, ``first + 1``...) as chunks of at most
    :data:`CHUNK_BYTES`, each with the number of its first event; ``through`` is the offset
    the tie is folded through with them."""
    chunks: list[tuple[int, HistoryChunk]] = []
    pending: list[bytes] = []
    size = 0
    start = first
    for number, event in enumerate(events, start=first):
        if isinstance(event, bytes):
            data = event
        else:
            data = event.__pydantic_serializer__.to_json(event, exclude_none=True)
        if pending and size + len(data) > CHUNK_BYTES:
            chunks.append((start, _events_chunk(pending, through)))
            pending, size, start = [], 0, number
        pending.append(data)
        size += len(data) + 1
    if pending:
        chunks.append((start, _events_chunk(pending, through)))
    return chunks


def _events_chunk(events: list[bytes], through: int) -> HistoryChunk:
    return HistoryChunk(_EVENTS_PREFIX + b",".join(events) + b"]}", through)


def snapshot_chunk(record: TieRecord, through: int = -1) -> HistoryChunk:
    return HistoryChunk(_SNAPSHOT_PREFIX + encode_full_record(record) + b"}", through)


def _leg_private(leg: MatchState) -> bytes:
    """What the public JSON leaves out of a leg: its events and refusals."""
    return b'{"timeline":[%s],"held":[%s],"refused":%s}' % (
        b",".join(event.__pydantic_serializer__.to_json(event) for event in leg.timeline),
        b",".join(event.__pydantic_serializer__.to_json(event) for event in leg.held),
        orjson.dumps([refusal.model_dump() for refusal in leg.refused]),
    )


#: Version 4 keeps the headline of the state (the tie without its legs) and a digest of the
#: whole (the legs' goals made each record of a dense match as big as all its goals so far,
#: and the changelog of one match grow with the square of them); version 3 left the raw
#: events out (they are in the tie's history chunks, each written once); version 2 added
#: per-match positions, held events and refusals; version 1 records (no ``schema_version``)
#: kept each leg's events under ``timelines``.
RECORD_SCHEMA_VERSION = 4
#: What a record leaves out of the state: its legs (their goals, cards, reviews... grow with
#: the events; and serializing them again for the record was a tenth of a live event's cost).
_HEADLINE_EXCLUDE = {"legs"}


def state_digest(state_json: bytes) -> str:
    """The hash a record keeps of its tie's public JSON (``encode_tie``)."""
    return hashlib.blake2b(state_json, digest_size=16).hexdigest()


def encode_record(record: TieRecord, state_json: bytes | None = None) -> bytes:
    """The record as the changelog holds it: the headline of the state, the digest of its
    public JSON and the source positions (a few hundred bytes, the same from the tie's first
    event to its last). ``state_json`` is ``encode_tie(record.state)`` when the caller has
    it already."""
    state = record.state
    if isinstance(record, SlimRecord) and record.digest is not None:
        digest = record.digest  # a headline: the whole state is not at hand
    else:
        digest = state_digest(encode_tie(state) if state_json is None else state_json)
    return (
        b'{"schema_version":%d,"partition":%d,"offset":%d,"positions":%s,"digest":"%s",'
        b'"state":%s}'
        % (
            RECORD_SCHEMA_VERSION,
            record.partition,
            record.offset,
            orjson.dumps(record.positions),
            digest.encode(),
            state.__pydantic_serializer__.to_json(state, exclude=_HEADLINE_EXCLUDE),
        )
    )


def encode_full_record(record: TieRecord) -> bytes:
    """The record with every event of its legs inline (schema version 2): a snapshot."""
    private = b",".join(
        orjson.dumps(leg.match_id) + b":" + _leg_private(leg) for leg in record.state.legs
    )
    return (
        b'{"schema_version":2,"partition":%d,"offset":%d,"positions":%s,"state":%s,"legs":{%s}}'
        % (
            record.partition,
            record.offset,
            orjson.dumps(record.positions),
            record.state.to_json().encode(),
            private,
        )
    )


def _record_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had each leg's events in ``timelines`` and one offset per tie."""
    timelines = data.pop("timelines")
    data["legs"] = {
        match_id: {"timeline": events, "held": [], "refused": []}
        for match_id, events in timelines.items()
    }
    return data


def decode_record(raw: bytes) -> TieRecord:
    """A table record of any schema version: a :class:`SlimRecord` from version 3 on, an
    :class:`InlineRecord` (its events upcast) from versions 1 and 2."""
    data = orjson.loads(raw)
    version = data.pop("schema_version", 1)
    if version in (3, RECORD_SCHEMA_VERSION):
        return SlimRecord.model_validate(data)
    if version == 1:
        data = _record_v1_to_v2(data)
    elif version != 2:
        raise ValueError(f"tie record schema version {version!r} is newer than this code")
    private = data.pop("legs")
    for leg in data["state"]["legs"]:
        events = private[leg["match_id"]]
        for name in ("timeline", "held"):
            events[name] = [upcast_event(event) for event in events[name]]
        leg.update(events)
    return InlineRecord.model_validate(data)


TableValue = TieRecord | PackedRecord | PartitionMark | HistoryChunk


def encode_table_value(value: TableValue) -> bytes:
    if isinstance(value, PartitionMark):
        return orjson.dumps({"mark": value.model_dump()})
    if isinstance(value, HistoryChunk):
        return b"%s%d,%s" % (_THROUGH_PREFIX, value.through, value.raw[1:])
    if isinstance(value, PackedRecord):
        return value.raw
    return encode_record(value)


def decode_table_value(raw: bytes) -> TableValue:
    if raw.startswith(b'{"mark":'):
        return PartitionMark.model_validate(orjson.loads(raw)["mark"])
    if raw.startswith(_THROUGH_PREFIX):
        comma = raw.index(b",")
        return HistoryChunk(b"{" + raw[comma + 1 :], int(raw[len(_THROUGH_PREFIX) : comma]))
    if raw.startswith((_EVENTS_PREFIX, _SNAPSHOT_PREFIX)):
        return HistoryChunk(raw)
    return decode_record(raw)


def is_newer(value: TableValue, than: TableValue | None) -> bool:
    """Whether a changelog value should replace the one a table holds: ties by version,
    marks by offset, history chunks by the offset they were folded through. A paused worker
    that wrote after it lost its partitions cannot take a restored table back."""
    if isinstance(value, TieRecord | PackedRecord) and isinstance(than, TieRecord | PackedRecord):
        return tie_version(value) >= tie_version(than)
    if isinstance(value, PartitionMark) and isinstance(than, PartitionMark):
        return value.offset >= than.offset
    if isinstance(value, HistoryChunk) and isinstance(than, HistoryChunk):
        return value.through >= than.through
    return True


def tie_version(record: TieRecord | PackedRecord) -> int:
    return record.version if isinstance(record, PackedRecord) else record.state.version


@dataclass(frozen=True)
class UnreadableValue:
    """A changelog record this code cannot read (damaged, or written by a newer schema)."""

    error: str


class TieRecordCodec(codecs.Codec):
    """Faust codec for the tie table (Faust cannot take a pydantic class as value_type).
    Reading never raises: Faust's recovery would drop the rest of its batch silently, so an
    unreadable record comes back as :class:`UnreadableValue` for the table to act on."""

    def _dumps(self, obj: Any) -> bytes:
        assert isinstance(obj, TieRecord | PartitionMark | HistoryChunk)
        return encode_table_value(obj)

    def _loads(self, s: bytes) -> Any:
        try:
            return decode_table_value(s)
        except Exception as error:  # any damage: the table decides, see TieTable
            return UnreadableValue(f"{type(error).__name__}: {error}"[:300])


TIE_RECORD_CODEC = "tie_record"
codecs.register(TIE_RECORD_CODEC, TieRecordCodec())


#: Why the worker refused a message: a dead letter's ``reason``.
DeadLetterReason = Literal[
    "invalid_event",
    "too_large",
    "wrong_key",
    "unknown_match",
    "conflicting_duplicate",
    "rule_violation",
    "tie_too_large",
    "internal_error",
]
DEAD_LETTER_REASONS: tuple[str, ...] = get_args(DeadLetterReason)


def dead_letter(
    raw: bytes | None,
    *,
    reason: DeadLetterReason,
    error: str,
    field: str | None,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    event: MatchEvent | None = None,
) -> bytes:
    """A dead-letter record: why, where from, and the original bytes, bounded: a preview of
    at most :data:`DEAD_LETTER_PREVIEW_BYTES` (text and base64) with the size and SHA-256
    of the whole, so a dead letter is never bigger than a few kilobytes."""
    original = raw or b""
    preview = original[:DEAD_LETTER_PREVIEW_BYTES]
    return orjson.dumps(
        {
            "reason": reason,
            "error": error[:1000],
            "field": field[:200] if field is not None else None,
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "key": key[:256].decode("utf-8", "replace") if key is not None else None,
            "size": len(original),
            "sha256": hashlib.sha256(original).hexdigest(),
            "original": preview.decode("utf-8", "replace"),
            "original_base64": base64.b64encode(preview).decode(),
            "truncated": len(original) > len(preview),
            "event_id": event.event_id if event is not None else None,
            "match_id": event.match_id if event is not None else None,
            "tie_id": event.tie_id if event is not None else None,
        }
    )
