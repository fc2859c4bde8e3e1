"""Provider importers: a data provider's match files, read by kloppy, as our match events.

The registry below names each provider and the files its kloppy loader takes. kloppy's
model is mapped to ours by :mod:`~streams.providers.feed` (the questions a feed answers),
:mod:`~streams.providers.mappers` (one per concern) and :mod:`~streams.providers.assembly`
(the match, folded as it is built); what one feed needs beyond that is in its provider's
module. kloppy is an optional extra
(``pip install '.[providers]'``): it is imported only when a match is loaded.
"""

from __future__ import annotations

import importlib
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from streams.errors import StreamsError
from tracker import PRESETS, MatchEvent, TieState

if TYPE_CHECKING:
    from streams.providers.feed import Feed

FileFormat = Literal["json", "xml", "json-or-xml"]

INSTALL_HINT = "pip install '.[providers]'"


class ProviderError(StreamsError):
    """A provider import that cannot go ahead: bad arguments, a missing or unreadable file."""


class MappingBug(RuntimeError):
    """An event our mapper built that our schema refuses: a bug to fix in the mapper, never a
    quirk of the feed (those are dropped and counted, or a :class:`ProviderError`), so
    nothing here turns it into either."""


@dataclass(frozen=True)
class ImportOptions:
    """What to import and how to schedule it. File options mirror kloppy's loader arguments."""

    event_data: str | Path | None = None
    lineup_data: str | Path | None = None
    meta_data: str | Path | None = None
    ma1_data: str | Path | None = None
    ma3_data: str | Path | None = None
    f7_data: str | Path | None = None
    f24_data: str | Path | None = None
    data_version: str | None = None
    tie_id: str | None = None
    match_id: str | None = None
    rules: str | None = None
    leg: int = 1


@dataclass
class ImportResult:
    """The imported match: our events in order, and everything that did not become one."""

    provider: str
    events: list[MatchEvent]
    #: kloppy events our schema has no use for (passes, carries...), by kloppy type.
    skipped: Counter[str] = field(default_factory=Counter)
    #: mapped events that could not be emitted, by reason (e.g. refused by the fold).
    dropped: Counter[str] = field(default_factory=Counter)
    #: data quirks met and how they were handled, and checks that did not hold.
    notes: list[str] = field(default_factory=list)
    #: the final score the provider's own metadata gives (home, away), when it gives one.
    feed_score: tuple[int, int] | None = None
    #: the tie after folding ``events`` with the tracker's own fold.
    tie: TieState | None = None

    @property
    def emitted(self) -> Counter[str]:
        return Counter(event.type for event in self.events)

    @property
    def score(self) -> tuple[int, int]:
        """(home, away) goals once the events are folded."""
        assert self.tie is not None and self.tie.legs
        match = self.tie.legs[0]
        return match.score[match.home], match.score[match.away]

    def to_jsonl(self) -> bytes:
        """The events as JSON Lines (the wire format), ready for produce.py or replay.py."""
        return b"".join(
            event.model_dump_json(exclude_none=True).encode() + b"\n" for event in self.events
        )


@dataclass(frozen=True)
class FileOption:
    name: str
    format: FileFormat


@dataclass(frozen=True)
class Provider:
    """A provider: its module here and the files its kloppy loader reads."""

    name: str
    module: str
    files: tuple[FileOption, ...]
    description: str
    takes_data_version: bool = False


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider(
            "statsbomb",
            "statsbomb",
            (FileOption("event_data", "json"), FileOption("lineup_data", "json")),
            "Hudl StatsBomb events + lineups (JSON)",
        ),
        Provider(
            "statsperform",
            "statsperform",
            (FileOption("ma1_data", "json-or-xml"), FileOption("ma3_data", "json-or-xml")),
            "Stats Perform MA1 match info + MA3 events (JSON or XML)",
        ),
        Provider(
            "wyscout",
            "wyscout",
            (FileOption("event_data", "json"),),
            "Wyscout events, v2 or v3 (JSON; --data-version V2|V3, detected when omitted)",
            takes_data_version=True,
        ),
        Provider(
            "sportec",
            "sportec",
            (FileOption("event_data", "xml"), FileOption("meta_data", "xml")),
            "Sportec Solutions (DFL) events + match information (XML)",
        ),
        Provider(
            "opta",
            "opta",
            (FileOption("f7_data", "xml"), FileOption("f24_data", "xml")),
            "Opta F7 match + F24 events (XML; F73 in place of F24 works too)",
        ),
    )
}

_FILE_OPTIONS = (
    "event_data",
    "lineup_data",
    "meta_data",
    "ma1_data",
    "ma3_data",
    "f7_data",
    "f24_data",
)


def flag(option: str) -> str:
    return "--" + option.replace("_", "-")


def load_match(provider: str, options: ImportOptions) -> ImportResult:
    """The match in ``options``' files as our events; :class:`ProviderError` says what is wrong."""
    spec = PROVIDERS.get(provider)
    if spec is None:
        raise ProviderError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
    _check_schedule(options)
    files = _checked_files(spec, options)
    _require_kloppy()
    from streams.providers.assembly import import_match

    module = importlib.import_module(f"streams.providers.{spec.module}")
    named = ", ".join(f"{flag(name)} {path}" for name, path in files.items())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            feed: Feed = module.load_feed(files, options)
        except ProviderError:
            raise
        except Exception as error:
            raise ProviderError(
                f"{provider}: cannot parse {named}: {_describe(error)} "
                f"(expected {spec.description})"
            ) from None
    for warning in caught:
        feed.notes.append(f"kloppy warned: {warning.message}")
    try:
        return import_match(feed, options)
    except (ProviderError, MappingBug):
        raise
    except Exception as error:
        raise ProviderError(
            f"{provider}: cannot map the events of {named}: {_describe(error)}"
        ) from None


def _describe(error: Exception) -> str:
    text = str(error)
    if isinstance(error, KeyError):
        text = f"missing field {text}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _checked_files(spec: Provider, options: ImportOptions) -> dict[str, Path]:
    """The provider's files, each checked to exist and to be well-formed JSON or XML."""
    wanted = {option.name for option in spec.files}
    extra = [flag(name) for name in _FILE_OPTIONS if getattr(options, name) and name not in wanted]
    if extra:
        needs = " and ".join(flag(option.name) for option in spec.files)
        raise ProviderError(f"{spec.name} does not take {', '.join(extra)} (it reads {needs})")
    if options.data_version is not None and not spec.takes_data_version:
        raise ProviderError(f"{spec.name} does not take --data-version")
    missing = [flag(option.name) for option in spec.files if not getattr(options, option.name)]
    if missing:
        raise ProviderError(f"{spec.name} needs {' and '.join(missing)}")
    files: dict[str, Path] = {}
    for option in spec.files:
        path = Path(getattr(options, option.name))
        _check_well_formed(path, option)
        files[option.name] = path
    return files


def _check_well_formed(path: Path, option: FileOption) -> None:
    import json
    import xml.etree.ElementTree as ElementTree

    where = f"{flag(option.name)} {path}"
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProviderError(f"{where}: cannot read: {error.strerror or error}") from None
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise ProviderError(f"{where}: the file is empty")
    kind = "xml" if text[:1] == b"<" else "json"
    if option.format != "json-or-xml" and kind != option.format:
        raise ProviderError(f"{where}: expected {option.format.upper()}, found {kind.upper()}")
    try:
        if kind == "json":
            json.loads(data.decode("utf-8-sig"))
        else:
            ElementTree.fromstring(data)
    except (ValueError, ElementTree.ParseError) as error:
        raise ProviderError(f"{where}: not valid {kind.upper()}: {error}") from None


def _check_schedule(options: ImportOptions) -> None:
    if options.rules is not None and options.rules not in PRESETS:
        raise ProviderError(f"unknown rules preset {options.rules!r}; known: {', '.join(PRESETS)}")
    legs = PRESETS[options.rules].legs if options.rules else 1
    if options.leg not in (1, 2):
        raise ProviderError(f"--leg {options.leg}: a tie has legs 1 and 2 at most")
    if options.leg > legs:
        raise ProviderError(
            f"--leg {options.leg} needs --rules with {options.leg} legs "
            f"({'a one-leg' if legs == 1 else 'a two-leg'} tie has legs 1..{legs})"
        )
    for name in ("tie_id", "match_id"):
        if getattr(options, name) == "":
            raise ProviderError(f"{flag(name)} cannot be empty")


def _require_kloppy() -> None:
    try:
        importlib.import_module("kloppy")
    except ImportError:
        raise ProviderError(
            f"provider import needs kloppy, which is not installed: {INSTALL_HINT}"
        ) from None


def summary_lines(result: ImportResult) -> list[str]:
    """A few lines for stderr: the score, what was emitted, skipped and dropped, and notes."""

    def counts(counter: Counter[str]) -> str:
        ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{name} {count}" for name, count in ordered)

    lines: list[str] = []
    if result.tie is not None and result.tie.legs:
        match = result.tie.legs[0]
        home, away = result.score
        lines.append(
            f"{result.provider}: {match.match_id}: {match.home} {home}-{away} {match.away}"
            f" ({match.status})"
        )
    lines.append(f"emitted {len(result.events)} events: {counts(result.emitted)}")
    skipped = sum(result.skipped.values())
    lines.append(f"skipped {skipped} kloppy events of no use here: {counts(result.skipped)}")
    if result.dropped:
        dropped = sum(result.dropped.values())
        lines.append(f"dropped {dropped}: {counts(result.dropped)}")
    lines.extend(f"note: {note}" for note in result.notes)
    return lines


__all__ = [
    "PROVIDERS",
    "ImportOptions",
    "ImportResult",
    "MappingBug",
    "Provider",
    "ProviderError",
    "load_match",
    "summary_lines",
]
