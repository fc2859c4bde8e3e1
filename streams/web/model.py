"""The web read model: the newest state of every tie and its moments, built from the
`tie-scores` and `moments` records, with what each change means for a live client.

No I/O here: records arrive as bytes from whoever reads the topics; the model parses them
as JSON objects (orjson) rather than through the pydantic models, so a field the worker
adds later never breaks the read side. It keeps the bytes it serves, so the tie-state JSON
a client gets is exactly what the worker published.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

#: Versions of a tie whose arrival is remembered for resuming clients (older: resend all).
_REMEMBERED_VERSIONS = 64
#: Moments kept per tie; a real tie has dozens, this only bounds a runaway feed.
MAX_MOMENTS_PER_TIE = 5_000
_STATUS_ORDER = {"live": 0, "scheduled": 1, "finished": 2}


@dataclass(frozen=True)
class Change:
    """One thing a client of ``tie_id`` has not seen: a newer tie state or a new moment.
    ``data`` is the JSON text (one line) as published."""

    kind: Literal["tie", "moment"]
    tie_id: str
    version: int
    data: bytes
    arrival: int


@dataclass
class _Tie:
    version: int
    data: bytes
    fields: dict[str, Any]
    arrival: int
    #: version -> arrival, for versions applied after the model caught up with the log.
    arrivals: OrderedDict[int, int] = field(default_factory=OrderedDict)


@dataclass
class _Moments:
    items: list[Change] = field(default_factory=list)
    keys: set[Any] = field(default_factory=set)


@dataclass
class Counters:
    ties_applied: int = 0
    ties_stale: int = 0
    moments_applied: int = 0
    moments_duplicate: int = 0
    moments_dropped: int = 0
    records_invalid: int = 0


def _one_line(value: bytes, parsed: dict[str, Any]) -> bytes:
    """The record's JSON as one line (SSE data lines cannot hold a newline)."""
    return orjson.dumps(parsed) if b"\n" in value or b"\r" in value else value


def _object(value: bytes) -> dict[str, Any] | None:
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def moment_key(moment: dict[str, Any]) -> Any:
    """What makes a moment itself: its ``id`` when the worker gives one, else the event it
    came from and its kind (a redelivered event yields the same moments again)."""
    if isinstance(moment.get("id"), str):
        return moment["id"]
    return (moment.get("event_id"), moment.get("kind"))


class ReadModel:
    """Tie states by id (the newest version wins) and each tie's moments (deduplicated).

    Every accepted record is a :class:`Change`, passed to the listeners (the live streams)
    and numbered in order of arrival, so a client that saw a given version can be sent
    exactly what arrived after it."""

    def __init__(self) -> None:
        self._ties: dict[str, _Tie] = {}
        self._moments: dict[str, _Moments] = {}
        self._arrival = 0
        self.is_caught_up = False
        self.counters = Counters()
        self.listeners: list[Callable[[Change], None]] = []

    # -- applying records -------------------------------------------------------------

    def apply_tie(self, value: bytes) -> Change | None:
        """A `tie-scores` record; the change if it is newer than what the model has."""
        state = _object(value)
        if state is None or not _is_tie(state):
            self.counters.records_invalid += 1
            return None
        tie_id, version = state["tie_id"], state["version"]
        known = self._ties.get(tie_id)
        if known is not None and version <= known.version:
            self.counters.ties_stale += 1
            return None
        change = Change("tie", tie_id, version, _one_line(value, state), self._next_arrival())
        if known is None:
            known = self._ties[tie_id] = _Tie(version, change.data, state, change.arrival)
        else:
            known.version, known.data, known.fields = version, change.data, state
            known.arrival = change.arrival
        if self.is_caught_up:
            known.arrivals[version] = change.arrival
            if len(known.arrivals) > _REMEMBERED_VERSIONS:
                known.arrivals.popitem(last=False)
        self.counters.ties_applied += 1
        self._tell(change)
        return change

    def apply_moment(self, value: bytes) -> Change | None:
        """A `moments` record; the change if this moment is new for its tie."""
        moment = _object(value)
        if moment is None or not _is_moment(moment):
            self.counters.records_invalid += 1
            return None
        tie_id = moment["tie_id"]
        known = self._moments.setdefault(tie_id, _Moments())
        key = moment_key(moment)
        if key in known.keys:
            self.counters.moments_duplicate += 1
            return None
        if len(known.items) >= MAX_MOMENTS_PER_TIE:
            self.counters.moments_dropped += 1
            return None
        change = Change(
            "moment", tie_id, moment["version"], _one_line(value, moment), self._next_arrival()
        )
        known.keys.add(key)
        known.items.append(change)
        self.counters.moments_applied += 1
        self._tell(change)
        return change

    def mark_caught_up(self) -> None:
        """The log has been read to where it ended when reading began: from now on, what
        arrives is live, and its order is what live clients see."""
        self.is_caught_up = True

    # -- reading ----------------------------------------------------------------------

    def tie(self, tie_id: str) -> bytes | None:
        """The newest tie-state JSON of ``tie_id``, or None for a tie never seen."""
        known = self._ties.get(tie_id)
        return known.data if known is not None else None

    def version(self, tie_id: str) -> int | None:
        known = self._ties.get(tie_id)
        return known.version if known is not None else None

    def ties(self) -> list[bytes]:
        """Every tie's JSON: live ties first, then scheduled, then finished, by id."""
        ordered = sorted(
            self._ties.items(),
            key=lambda item: (_STATUS_ORDER.get(str(item[1].fields.get("status")), 3), item[0]),
        )
        return [known.data for _, known in ordered]

    def moments(self, tie_id: str) -> list[bytes]:
        """The moments of ``tie_id`` in the order they arrived (the order they happened)."""
        known = self._moments.get(tie_id)
        return [change.data for change in known.items] if known is not None else []

    def is_known(self, tie_id: str) -> bool:
        return tie_id in self._ties or tie_id in self._moments

    def __len__(self) -> int:
        return len(self._ties)

    def is_resumable(self, tie_id: str, version: int) -> bool:
        """Whether a client that has seen ``version`` of ``tie_id`` can be sent only what it
        missed (:meth:`missed_since`). Not when ``version`` is above the newest here (or the
        tie is unknown and ``version`` is not 0): the client's position is from another
        history of the tie (the demo restarted and versions began again at 1), which
        neither a newer tie nor the moments since can mend. It needs a snapshot, which
        replaces all it has: merged into what it holds, the new history's moments would be
        dropped as duplicates of the old ones, and the old ones would stay."""
        known = self._ties.get(tie_id)
        return version <= (known.version if known is not None else 0)

    def missed_since(self, tie_id: str, version: int) -> list[Change]:
        """What a client that has seen ``version`` of ``tie_id`` (its ``Last-Event-ID``) lacks:
        the tie if it is newer, and the moments that may have arrived after that version.
        Only for a ``version`` this model can resume from (:meth:`is_resumable`).

        Exact when this model sent that version live; otherwise (another copy of the service,
        or a restart) every moment of the tie, which the client deduplicates by moment id."""
        out: list[Change] = []
        known = self._ties.get(tie_id)
        if known is not None and known.version > version:
            out.append(Change("tie", tie_id, known.version, known.data, known.arrival))
        since = known.arrivals.get(version) if known is not None else None
        moments = self._moments.get(tie_id)
        if moments is not None:
            out += [m for m in moments.items if since is None or m.arrival > since]
        return out

    # -- internals --------------------------------------------------------------------

    def _next_arrival(self) -> int:
        self._arrival += 1
        return self._arrival

    def _tell(self, change: Change) -> None:
        for listener in self.listeners:
            listener(change)


def _is_tie(state: dict[str, Any]) -> bool:
    return isinstance(state.get("tie_id"), str) and _is_version(state.get("version"))


def _is_moment(moment: dict[str, Any]) -> bool:
    return (
        isinstance(moment.get("tie_id"), str)
        and _is_version(moment.get("version"))
        and isinstance(moment.get("kind"), str)
    )


def _is_version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
