"""Malformed `match-events` messages of every kind, each with the dead-letter reason the worker
must give it, generated around a real tie's events."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

import orjson

from tracker import MatchEvent


@dataclass(frozen=True)
class Message:
    """One message to send: key, value, and the reason it must be dead-lettered with (None
    for the real tie's events, which must be folded)."""

    key: bytes | None
    value: bytes | None
    reason: str | None
    kind: str


def _json(event: MatchEvent) -> dict[str, object]:
    return event.model_dump(mode="json", exclude_none=True)


class BadMessages:
    """A generator of bad messages around ``events`` (one real tie), reproducible by seed."""

    def __init__(self, events: list[MatchEvent], seed: int) -> None:
        self.events = events
        self.rng = random.Random(seed)
        self.key = events[0].tie_id.encode()

    def _event(self) -> dict[str, object]:
        return _json(self.rng.choice(self.events))

    def _bytes(self, size: int) -> bytes:
        return self.rng.randbytes(size)

    def random_bytes(self) -> Message:
        return Message(self.key, self._bytes(self.rng.randint(0, 300)), "invalid_event", "bytes")

    def truncated_json(self) -> Message:
        whole = orjson.dumps(self._event())
        return Message(self.key, whole[: self.rng.randint(0, len(whole) - 1)], "invalid_event",
                       "truncated")  # fmt: skip

    def wrong_shape(self) -> Message:
        shape = self.rng.choice(
            [[1, 2], 42, "goal", None, True, [self._event()], {"event": self._event()}, {}]
        )
        return Message(self.key, orjson.dumps(shape), "invalid_event", "shape")

    def missing_field(self) -> Message:
        data = self._event()
        del data[self.rng.choice(["event_id", "tie_id", "match_id", "seq", "type"])]
        return Message(self.key, orjson.dumps(data), "invalid_event", "missing")

    def mistyped_field(self) -> Message:
        data = self._event()
        field = self.rng.choice(sorted(data))
        data[field] = self.rng.choice([{"nested": 1}, [1, 2, 3]])  # never valid for a field
        return Message(self.key, orjson.dumps(data), "invalid_event", "mistyped")

    def absurd_value(self) -> Message:
        data = self._event()
        field, value = self.rng.choice(
            [
                ("seq", 2**63),
                ("seq", -1),
                ("seq", 10**7),
                ("minute", 10**6),
                ("minute", -5),
                ("added_minute", 999),
                ("type", "goal_celebrated"),
                ("period", "fourth_half"),
                ("event_id", ""),
                ("tie_id", "tie\x00with-nul"),
            ]
        )
        data[field] = value
        return Message(self.key, orjson.dumps(data), "invalid_event", "absurd")

    def long_string(self) -> Message:
        """A valid event but for one string of 60 KB (over its bound, under the size cap) or
        1 MB (over the message size cap)."""
        data = _json(next(e for e in self.events if e.type == "goal_scored"))
        size = self.rng.choice([60_000, 1_000_000])
        data["scorer"] = "M" * size
        reason = "invalid_event" if size < 64_000 else "too_large"
        return Message(self.key, orjson.dumps(data), reason, f"string-{size}")

    def deep_nesting(self) -> Message:
        depth = self.rng.randint(1100, 20_000)
        return Message(self.key, b"[" * depth + b"]" * depth, "invalid_event", "deep")

    def invalid_utf8(self) -> Message:
        whole = orjson.dumps(self._event())
        at = whole.index(b'"event_id":"') + len(b'"event_id":"')
        return Message(self.key, whole[:at] + b"\xff\xfe" + whole[at:], "invalid_event", "utf8")

    def null_value(self) -> Message:
        return Message(self.key, None, "invalid_event", "null-value")

    def null_key(self) -> Message:
        return Message(None, orjson.dumps(self._event()), "wrong_key", "null-key")

    def wrong_key(self) -> Message:
        return Message(b"not-this-tie", orjson.dumps(self._event()), "wrong_key", "wrong-key")

    def unknown_tie(self) -> Message:
        data = self._event()
        while data["type"] == "match_scheduled":
            data = self._event()
        tie = f"ghost-{self.rng.randint(0, 10**6)}"
        data["tie_id"] = tie
        return Message(tie.encode(), orjson.dumps(data), "unknown_match", "unknown-tie")

    def oversized(self) -> Message:
        size = self.rng.choice([100_000, 1_000_000, 5_000_000])
        return Message(self.key, self._bytes(size), "too_large", f"oversized-{size}")

    def unknown_team(self) -> Message:
        data = _json(next(e for e in self.events if e.type == "goal_scored"))
        data.update(event_id=f"pumas-{self.rng.randint(0, 10**9)}", team="Pumas", seq=999_999)
        return Message(self.key, orjson.dumps(data), "rule_violation", "unknown-team")

    def conflicting_copy(self, event: MatchEvent) -> Message:
        """The event's id with other content (sent after the genuine event)."""
        data = _json(event)
        data["minute"] = (int(data.get("minute") or 0) + 1) % 120
        return Message(self.key, orjson.dumps(data), "conflicting_duplicate", "conflicting")

    MIX: ClassVar[dict[str, int]] = {
        "random_bytes": 1500,
        "truncated_json": 1500,
        "wrong_shape": 800,
        "missing_field": 1000,
        "mistyped_field": 1000,
        "absurd_value": 1000,
        "long_string": 40,
        "deep_nesting": 100,
        "invalid_utf8": 500,
        "null_value": 300,
        "null_key": 300,
        "wrong_key": 500,
        "unknown_tie": 1000,
        "oversized": 12,
        "unknown_team": 300,
    }

    def stream(self, conflicting: int = 300) -> Iterator[Message]:
        """The real tie's events in order, with every bad message of :attr:`MIX` shuffled in,
        and ``conflicting`` copies of real events placed after their genuine event."""
        bad = [getattr(self, name)() for name, count in self.MIX.items() for _ in range(count)]
        self.rng.shuffle(bad)
        spots = sorted(self.rng.sample(range(len(bad) + 1), len(self.events)))
        copies_after: dict[int, list[Message]] = {}
        for _ in range(conflicting):
            index = self.rng.randrange(len(self.events) - 1)
            copies_after.setdefault(index, []).append(self.conflicting_copy(self.events[index]))
        real = iter(enumerate(self.events))
        pending: list[Message] = []
        is_scheduled = False
        for position, message in enumerate([*bad, None]):
            while spots and spots[0] == position:
                spots.pop(0)
                index, event = next(real)
                yield Message(self.key, orjson.dumps(_json(event)), None, "real")
                is_scheduled = True
                pending += copies_after.get(index, [])
            if pending and self.rng.random() < 0.5:
                yield pending.pop(0)
            if message is not None and message.kind == "unknown-team" and not is_scheduled:
                message = replace(message, reason="unknown_match")  # no tie to break yet
            if message is not None:
                yield message
        yield from pending
