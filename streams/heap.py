"""Python's cyclic garbage collector, set for a process that holds many ties in memory.

A tie's state is thousands of small pydantic objects with no reference cycles: reference
counting frees each one the moment the fold replaces it. The cyclic collector cannot know
that, and with Python's thresholds (700, 10, 10) it walked every live tie again and again:
a tenth to a fifth of the CPU of a worker folding a backlog (`scripts/bench.py`'s pipeline,
1,000 ties: 5,600-6,100 events per CPU-second with the defaults, 6,600-6,900 with this),
and of a season's replay (13,101 events re-folded from the log, five alternating runs in one
process: a median of 16,988 events/s with the defaults, 18,431 with this).

So what the process made before (imports, the app) is set aside, never walked again, and
young objects are collected 70 times less often. Whatever the collector would find still
is: only its timing changes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: The collector's thresholds while holding ties (Python's default: 700, 10, 10).
THRESHOLDS = (50_000, 20, 100)


def hold_many_ties() -> None:
    """Set the collector for a process that holds (or folds) many ties, for good."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


@contextmanager
def holding_many_ties() -> Iterator[None]:
    """:func:`hold_many_ties` for the block only; the collector is as it was after."""
    before = gc.get_threshold()
    hold_many_ties()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
