"""Hypothesis strategies: random but valid event streams of random ties, made by the
benchmark's own generator (:mod:`streams.bench.synthetic`) with hypothesis drawing every
choice, so a failing tie shrinks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from streams.bench.synthetic import Incident, generate_tie
from tracker import MatchEvent
from tracker.rules import PRESETS

T = TypeVar("T")

#: What may happen in a period, the commoner kinds more often.
KINDS = [
    "goal", "goal", "own_goal", "penalty", "save", "offside", "yellow", "yellow", "red",
    "substitution", "disallowed",
]  # fmt: skip


class DrawnChance:
    """The generator's choices drawn by hypothesis: at most four incidents a half (two in
    an extra-time half) keep the ties small."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def happens(self, probability: float) -> bool:
        return self.data.draw(st.booleans())

    def incidents(self, teams: Sequence[str], start: int, length: int) -> list[Incident]:
        most = 4 if length >= 45 else 2
        minutes = self.data.draw(st.lists(st.integers(start, start + length), max_size=most))
        return [Incident(minute, self.pick(KINDS), self.pick(teams)) for minute in sorted(minutes)]


@st.composite
def tie_streams(draw: Any, rules_names: list[str] | None = None) -> list[MatchEvent]:
    """All events of one random tie, in order: both legs if two-legged, extra time and a
    shootout when the rules call for them."""
    rules = draw(st.sampled_from(rules_names or sorted(PRESETS)))
    tie_id = f"tie-{draw(st.integers(0, 10**6))}"
    return generate_tie(DrawnChance(draw(st.data())), tie_id, rules)
