"""Topic names and shapes: the one place they are written down."""

from __future__ import annotations

from dataclasses import dataclass

MATCH_EVENTS = "match-events"
TIE_SCORES = "tie-scores"
MATCH_UPDATES = "match-updates"
MOMENTS = "moments"
DEAD_LETTERS = "dead-letters"
REPLAY_PREFIX = "replay."


@dataclass(frozen=True)
class TopicNames:
    """The product's topics under one prefix ("" live, "replay." for re-streamed ties)."""

    prefix: str = ""

    @property
    def match_events(self) -> str:
        return self.prefix + MATCH_EVENTS

    @property
    def tie_scores(self) -> str:
        return self.prefix + TIE_SCORES

    @property
    def match_updates(self) -> str:
        return self.prefix + MATCH_UPDATES

    @property
    def moments(self) -> str:
        return self.prefix + MOMENTS

    @property
    def dead_letters(self) -> str:
        return self.prefix + DEAD_LETTERS

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
