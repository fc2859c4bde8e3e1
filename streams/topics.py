"""Topic names and shapes: the one place they are written down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

MATCH_EVENTS = "match-events"
TIE_SCORES = "tie-scores"
MATCH_UPDATES = "match-updates"
MOMENTS = "moments"
DEAD_LETTERS = "dead-letters"
REPLAY_PREFIX = "replay."


class _Topic:
    """A topic name, read under its :class:`TopicNames`' prefix."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, names: TopicNames, owner: object = None) -> str:
        return names.prefix + self.name


@dataclass(frozen=True)
class TopicNames:
    """The product's topics under one prefix ("" live, "replay." for re-streamed ties)."""

    prefix: str = ""
    match_events: ClassVar[_Topic] = _Topic(MATCH_EVENTS)
    tie_scores: ClassVar[_Topic] = _Topic(TIE_SCORES)
    match_updates: ClassVar[_Topic] = _Topic(MATCH_UPDATES)
    moments: ClassVar[_Topic] = _Topic(MOMENTS)
    dead_letters: ClassVar[_Topic] = _Topic(DEAD_LETTERS)

    def layout(self, partitions: int) -> dict[str, tuple[int, bool]]:
        """``{topic: (partitions, is_compacted)}`` for every topic the worker reads or writes.
        `tie-scores` is compacted: the latest state of every tie stays readable."""
        return {
            self.match_events: (partitions, False),
            self.tie_scores: (partitions, True),
            self.match_updates: (partitions, False),
            self.moments: (partitions, False),
            self.dead_letters: (1, False),
        }
