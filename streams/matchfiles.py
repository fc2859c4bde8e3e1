"""Reading match files (JSON Lines in the wire format), naming file, line and field on errors."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tracker import InvalidEvent, MatchEvent, parse_event


@dataclass(frozen=True)
class LineError:
    """One line that is not a valid event."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: field {self.field!r}: {self.reason}"


@dataclass(frozen=True)
class SourcedEvent:
    """An event with the file and line it came from."""

    file: str
    line: int
    event: MatchEvent
    raw: bytes


def read_lines(paths: Iterable[str]) -> Iterator[tuple[str, int, bytes]]:
    """``(file, line number, bytes)`` of every non-blank line; ``-`` reads standard input."""
    for path in paths:
        if path == "-":
            stream = sys.stdin.buffer
            name = "<stdin>"
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield name, number, line.rstrip(b"\r\n")
            continue
        with Path(path).open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield path, number, line.rstrip(b"\r\n")


def read_events(paths: Iterable[str]) -> tuple[list[SourcedEvent], list[LineError]]:
    """Every valid event of the files in order, and every bad line (which is skipped)."""
    events: list[SourcedEvent] = []
    errors: list[LineError] = []
    for name, number, raw in read_lines(paths):
        try:
            events.append(SourcedEvent(name, number, parse_event(raw), raw))
        except InvalidEvent as error:
            errors.append(LineError(name, number, error.field, error.reason))
    return events, errors
