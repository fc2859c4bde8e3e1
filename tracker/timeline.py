"""Cutting a tie's events at a moment of the match clock, for replays "as at 61'"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracker.errors import TrackerError
from tracker.events import MatchEvent, MatchScheduled, Period, clock_text

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
        """True when ``event`` happened after this moment (unknown minutes never are). A
        period's first minute comes after the added time of the one before: the second
        half's kick-off at 45' is after 45+2'."""
        minute = event.minute
        if minute is None:
            return False
        added = event.added_minute or 0
        if added == 0 and event.period is not None and _PERIOD_STARTS.get(event.period) == minute:
            added = MAX_ADDED_MINUTE + 1
        return (minute, added) > (self.minute, self.added_minute)


#: The clock at the start of each period after the first, where the added time of the one
#: before it ends.
_PERIOD_STARTS = {
    Period.SECOND_HALF: 45,
    Period.EXTRA_TIME_FIRST_HALF: 90,
    Period.EXTRA_TIME_SECOND_HALF: 105,
    Period.PENALTY_SHOOTOUT: 120,
}


def events_until(events: Iterable[MatchEvent], cut: Cut) -> Iterator[MatchEvent]:
    """The events up to ``cut``. Legs before the cut's leg count complete, legs after it not
    at all; the cut's leg is taken in its own order (``seq``, not the order events arrived
    in: a goal sent late is at its place) and stops at the first event after the moment."""
    events = list(events)
    legs = {e.match_id: e.leg for e in events if isinstance(e, MatchScheduled)}
    leg_at = cut.leg if cut.leg is not None else max(legs.values(), default=1)
    cut_legs = sorted(
        (e for e in events if legs.get(e.match_id, leg_at) == leg_at), key=lambda e: e.seq
    )  # stable: events sent again with one seq stay in the order they came
    stopped: set[str] = set()
    kept: set[int] = set()
    for event in cut_legs:
        if event.match_id in stopped:
            continue
        if cut.is_after(event):
            stopped.add(event.match_id)
            continue
        kept.add(id(event))
    for event in events:
        if legs.get(event.match_id, leg_at) < leg_at or id(event) in kept:
            yield event
