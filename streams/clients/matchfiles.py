"""Reading match files (JSON Lines in the wire format), naming file, line and field on errors."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from streams.errors import map_exceptions, os_errors
from tracker import InvalidEvent, MatchEvent, parse_event


@dataclass(frozen=True)
class LineError:
    """One line that is not a valid event (``line`` None: the file as a whole, e.g. empty;
    read from the log, ``file`` is the topic and partition and ``line`` the offset, 0 too)."""

    file: str
    line: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: field {self.field!r}: {self.reason}"
            if self.field
            else f"{where}: {self.reason}"
        )


@dataclass(frozen=True)
class SourcedEvent:
    """An event with the file and line it came from."""

    file: str
    line: int
    event: MatchEvent
    raw: bytes


_BOM = b"\xef\xbb\xbf"


def _lines(name: str, stream: IO[bytes]) -> Iterator[tuple[str, int, bytes]]:
    for number, line in enumerate(stream, start=1):
        if number == 1:
            line = line.removeprefix(_BOM)  # some editors start UTF-8 files with one
        if line.strip():
            yield name, number, line.rstrip(b"\r\n")


def read_lines(paths: Iterable[str]) -> Iterator[tuple[str, int, bytes]]:
    """``(file, line number, bytes)`` of every non-blank line; ``-`` reads standard input.
    A file that cannot be read is :class:`FileUnreadable`."""
    for path in paths:
        if path == "-":
            yield from _lines("<stdin>", sys.stdin.buffer)
            continue
        with map_exceptions(os_errors(path)), Path(path).open("rb") as handle:
            yield from _lines(path, handle)


def _not_utf8(raw: bytes) -> str | None:
    """Why ``raw`` is not UTF-8 text (naming the first bad byte), or None."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1}); "
            "match files are UTF-8: convert it, e.g. iconv -f latin1 -t utf-8"
        )
    return None


def read_events(paths: Iterable[str]) -> tuple[list[SourcedEvent], list[LineError]]:
    """Every valid event of the files in order, and every bad line (which is skipped); a file
    with no events at all (empty, or only blank lines) is a problem too."""
    events: list[SourcedEvent] = []
    errors: list[LineError] = []
    for path in paths:
        name, found = "<stdin>" if path == "-" else path, 0
        for name, number, raw in read_lines([path]):
            found += 1
            not_text = _not_utf8(raw)
            if not_text is not None:
                errors.append(LineError(name, number, None, not_text))
                continue
            try:
                events.append(SourcedEvent(name, number, parse_event(raw), raw))
            except InvalidEvent as error:
                errors.append(LineError(name, number, error.field, error.reason))
        if not found:
            errors.append(LineError(name, None, None, "empty file: no events in it"))
    return events, errors
