"""Cutting a tie's events at a moment of the match clock, for replays "as at 61'"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracker.errors import TrackerError
from tracker.events import MatchEvent, MatchScheduled, clock_text

_CUT = re.compile(r"^(?:(?P<leg>[12]):)?(?P<minute>\d{1,3})(?:\+(?P<added>\d{1,2}))?'?$")


def _schema_maximum(name: str) -> int:
    """The largest value the event schema allows for a clock field (``le=`` on the model)."""
    for constraint in MatchScheduled.model_fields[name].metadata:
        maximum = getattr(constraint, "le", None)
        if maximum is not None:
            return int(maximum)
    raise LookupError(f"the event schema sets no maximum for {name!r}")


#: The match clock's range, as the event schema has it: no event can be later than this.
MAX_MINUTE = _schema_maximum("minute")
MAX_ADDED_MINUTE = _schema_maximum("added_minute")


class InvalidCut(TrackerError):
    """A ``--at`` value that is not ``MINUTE``, ``MINUTE+ADDED`` or ``LEG:MINUTE[+ADDED]``
    within the match clock's range."""

    def __init__(self, text: str, problem: str | None = None) -> None:
        self.text = text
        super().__init__(
            f"invalid match clock {text!r}: "
            + (problem or "expected MINUTE, MINUTE+ADDED or LEG:MINUTE (e.g. 61, 90+3, 1:30)")
        )


@dataclass(frozen=True)
class Cut:
    """A moment of the match clock; ``leg`` None means the last leg in the input."""

    minute: int
    added_minute: int = 0
    leg: int | None = None

    @classmethod
    def parse(cls, text: str) -> Cut:
        found = _CUT.match(text.strip())
        if found is None:
            raise InvalidCut(text)
        leg = found["leg"]
        minute, added = int(found["minute"]), int(found["added"] or 0)
        if minute > MAX_MINUTE:
            raise InvalidCut(text, f"the match clock goes up to {MAX_MINUTE}' (e.g. 120, 120+2)")
        if added > MAX_ADDED_MINUTE:
            raise InvalidCut(text, f"added time goes up to +{MAX_ADDED_MINUTE} (e.g. 90+5)")
        return cls(minute=minute, added_minute=added, leg=int(leg) if leg else None)

    @property
    def clock(self) -> str:
        """The cut as a fan reads it: ``61'``, ``90+3'``."""
        return clock_text(self.minute, self.added_minute or None)

    def __str__(self) -> str:
        return f"leg {self.leg}, {self.clock}" if self.leg is not None else self.clock

    def is_after(self, event: MatchEvent) -> bool:
        """True when ``event`` happened after this moment (unknown minutes never are)."""
        if event.minute is None:
            return False
        return (event.minute, event.added_minute or 0) > (self.minute, self.added_minute)


def events_until(events: Iterable[MatchEvent], cut: Cut) -> Iterator[MatchEvent]:
    """The events up to ``cut``, in order. Legs before the cut's leg count complete, legs after
    it not at all; within the cut's leg, events stop at the first one after the moment."""
    events = list(events)
    legs = {e.match_id: e.leg for e in events if isinstance(e, MatchScheduled)}
    leg_at = cut.leg if cut.leg is not None else max(legs.values(), default=1)
    stopped: set[str] = set()
    for event in events:
        leg = legs.get(event.match_id, leg_at)
        if leg > leg_at or event.match_id in stopped:
            continue
        if leg == leg_at and cut.is_after(event):
            stopped.add(event.match_id)
            continue
        yield event
