"""Reading `dead-letters`: what the worker refused, why, where it came from, and its bytes.

Tolerates every version of the record: the first one (reason, error, field, topic, partition,
offset, key, original, original_base64) and the current one, which adds size, sha256,
truncated (the original is kept up to 2 KiB), event_id, match_id and tie_id. A record that
is not JSON at all is shown as it is rather than hidden.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from streams.kafka.follow import follow
from streams.kafka.log import read_topic

PREVIEW_CHARS = 120


@dataclass(frozen=True)
class DeadLetter:
    """One refused message, and where the dead letter itself sits."""

    at_partition: int
    at_offset: int
    reason: str
    error: str
    field: str | None
    topic: str | None
    partition: int | None
    offset: int | None
    key: str | None
    size: int | None  # bytes of the whole original message
    sha256: str | None  # of the whole original message
    original: bytes  # the original bytes kept (all of them, or the first 2 KiB)
    truncated: bool
    event_id: str | None = None
    match_id: str | None = None
    tie_id: str | None = None

    @classmethod
    def from_record(cls, value: bytes | None, partition: int, offset: int) -> DeadLetter:
        """The dead letter in a `dead-letters` record, whatever its version."""
        try:
            data = orjson.loads(value or b"")
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raw = value or b""
            return cls(
                partition, offset, "(not a dead-letter record)", "the record is not a JSON object",
                None, None, None, None, None, len(raw), hashlib.sha256(raw).hexdigest(), raw,
                False,
            )  # fmt: skip
        original = _original_bytes(data)
        truncated = bool(data.get("truncated", False))
        size = data.get("size")
        sha256 = data.get("sha256")
        if size is None and not truncated:  # the first format kept the whole message
            size = len(original)
        if sha256 is None and not truncated:
            sha256 = hashlib.sha256(original).hexdigest()
        return cls(
            at_partition=partition,
            at_offset=offset,
            reason=str(data.get("reason") or "(no reason given)"),
            error=str(data.get("error") or ""),
            field=_text_or_none(data.get("field")),
            topic=_text_or_none(data.get("topic")),
            partition=_int_or_none(data.get("partition")),
            offset=_int_or_none(data.get("offset")),
            key=_text_or_none(data.get("key")),
            size=_int_or_none(size),
            sha256=_text_or_none(sha256),
            original=original,
            truncated=truncated,
            event_id=_text_or_none(data.get("event_id")),
            match_id=_text_or_none(data.get("match_id")),
            tie_id=_text_or_none(data.get("tie_id")),
        )

    @property
    def source(self) -> str:
        """``match-events[5]@17``: where the refused message was read."""
        if self.topic is None:
            return "(source not recorded)"
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def preview(self, chars: int = PREVIEW_CHARS) -> str:
        """The original bytes as one line of text: invalid UTF-8 and control characters
        escaped, cut to ``chars`` with an ellipsis."""
        text = self.original.decode("utf-8", "backslashreplace")
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
        cut = len(text) > chars or self.truncated
        return text[:chars] + ("…" if cut else "")

    def to_json(self) -> dict[str, Any]:
        """The record in the current format, plus where the dead letter itself is."""
        data = asdict(self)
        data["original"] = self.original.decode("utf-8", "replace")
        data["original_base64"] = base64.b64encode(self.original).decode()
        data["dead_letter"] = {
            "partition": data.pop("at_partition"),
            "offset": data.pop("at_offset"),
        }
        return data

    def lines(self) -> list[str]:
        """A few lines a person reads: what, why, where from, and the bytes."""
        head = f"{self.reason}"
        if self.field:
            head += f"  field {self.field!r}"
        head += f"  from {self.source}"
        if self.key is not None:
            head += f"  key {self.key}"
        out = [f"#{self.at_partition}@{self.at_offset}  {head}"]
        if self.error:
            out.append(f"  error: {self.error}")
        ids = [
            f"{name} {value}"
            for name, value in (
                ("event", self.event_id), ("match", self.match_id), ("tie", self.tie_id)
            )
            if value
        ]  # fmt: skip
        if ids:
            out.append("  " + ", ".join(ids))
        size = f"{self.size} bytes" if self.size is not None else "size not recorded"
        kept = f", first {len(self.original)} kept" if self.truncated else ""
        digest = f", sha256 {self.sha256[:16]}…" if self.sha256 else ""
        out.append(f"  original ({size}{kept}{digest}): {self.preview()}")
        return out


def _original_bytes(data: dict[str, Any]) -> bytes:
    encoded = data.get("original_base64")
    if isinstance(encoded, str):
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            pass
    text = data.get("original")
    return text.encode() if isinstance(text, str) else b""


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def dead_letters(
    bootstrap: str,
    topic: str,
    *,
    is_following: bool = False,
    on_waiting: Callable[[list[str]], None] | None = None,
    on_ready: Callable[[list[str]], None] | None = None,
) -> AsyncIterator[DeadLetter]:
    """Every dead letter in ``topic`` from its beginning: to its current end (fetch high
    watermark), or on and on with ``is_following`` (waiting for the topic if need be).
    Without ``is_following``, a missing topic raises :class:`TopicMissing`."""
    if is_following:
        async for update in follow(
            bootstrap, [topic], from_beginning=True, on_waiting=on_waiting, on_ready=on_ready
        ):
            yield DeadLetter.from_record(update.value, update.partition, update.offset)
        return
    async for record in read_topic(bootstrap, topic):
        yield DeadLetter.from_record(record.value, record.partition, record.offset)


def tally(letters: list[DeadLetter]) -> str:
    """``3 dead letter(s): invalid_event 2, rule_violation 1``."""
    counts = Counter(letter.reason for letter in letters)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in counts.most_common())
    return f"{len(letters)} dead letter(s)" + (f": {by_reason}" if by_reason else "")
