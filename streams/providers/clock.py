"""The match clock a fan reads, from a feed's time into a period.

An event 0:30 into the first half is in the 1st minute (``1'``), one 45:30 into it is
``45+1'``, one 2:00 into the second half ``48'``. That is Opta's and Stats Perform's
published ``timeMin`` (floor of the elapsed minutes, plus one); the raw ``minute`` fields of
StatsBomb and Opta F24 are the floor, one less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

START_MINUTE = {1: 0, 2: 45, 3: 90, 4: 105}
END_MINUTE = {1: 45, 2: 90, 3: 105, 4: 120}
MAX_ADDED_MINUTES = 30


@dataclass(frozen=True)
class Clock:
    minute: int | None = None
    added_minute: int | None = None


def clock_at(period_id: int, elapsed: timedelta, *, is_whistle: bool = False) -> Clock | None:
    """The clock ``elapsed`` into a period (1-4), or None when that is out of range.

    An event is in the minute it started in plus one (0:30 is ``1'``); a whistle at
    exactly 45:00 ends the 45th minute, so whistles round up instead.
    """
    seconds = elapsed.total_seconds()
    if seconds < 0:
        return None
    minutes = math.ceil(seconds / 60) if is_whistle else math.floor(seconds / 60) + 1
    minute = START_MINUTE[period_id] + minutes
    end = END_MINUTE[period_id]
    if minute <= end:
        return Clock(minute)
    if minute - end > MAX_ADDED_MINUTES:
        return None
    return Clock(end, minute - end)
