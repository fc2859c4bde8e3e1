"""Terse builders for match events in tests (:class:`MatchFeed` numbers `seq` and `event_id`
per match), the seed tie's two legs, and the moments an offline fold tells."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from streams.bench.synthetic import MatchFeed
from tests.seed import SEED_TIE
from tracker import MatchEvent, evolve, new_tie
from tracker.moments import Moment, moments


def leg_feeds(tie_id: str = SEED_TIE) -> tuple[MatchFeed, MatchFeed]:
    """The seed tie's two legs: LAFC at home first, then Inter Miami at home."""
    return (
        MatchFeed(tie_id, f"{tie_id}-leg1", "LAFC", "Inter Miami"),
        MatchFeed(tie_id, f"{tie_id}-leg2", "Inter Miami", "LAFC"),
    )


def moments_told(events: Sequence[MatchEvent]) -> list[Moment]:
    """Every moment that folding ``events`` offline tells, in order (what the worker must
    publish for them)."""
    states = list(accumulate(events, evolve, initial=new_tie(events[0].tie_id)))
    return [
        moment
        for before, after, event in zip(states[:-1], states[1:], events, strict=True)
        for moment in moments(before, after, event)
    ]
