"""Tie updates and their moments in telling order: each update, then the moments it caused.

`tie-scores` and `moments` are two topics, so their records do not arrive in telling order:
a burst of records (see `streams.kafka.follow.in_bursts`) is sorted by tie and version, and a
moment that still comes before its update is held until that update has been told. Updates
that are not newer than the last one told for their tie are dropped, and so is a moment
whose id was told already (a worker that re-folded the log publishes it again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker import TieState
from tracker.moments import Moment

Told = TieState | Moment


@dataclass
class Narration:
    """Feed it updates and moments as they arrive; it returns what to tell, in order."""

    tie_id: str | None = None  # only this tie, when set
    latest: dict[str, TieState] = field(default_factory=dict)
    held: list[Moment] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)  # every moment told so far
    told_ids: set[str] = field(default_factory=set)  # a moment re-published is told once

    def update(self, state: TieState) -> list[Told]:
        """A `tie-scores` update: itself (if newer) and the moments it releases."""
        if self.tie_id is not None and state.tie_id != self.tie_id:
            return []
        seen = self.latest.get(state.tie_id)
        if seen is not None and state.version <= seen.version:
            return []
        self.latest[state.tie_id] = state
        released = [m for m in self.held if m.tie_id == state.tie_id and m.version <= state.version]
        self.held = [m for m in self.held if m not in released]
        self.moments += released
        self.told_ids.update(m.id for m in released)
        return [state, *released]

    def moment(self, moment: Moment) -> list[Told]:
        """A `moments` record: told now if its update was, held otherwise."""
        if self.tie_id is not None and moment.tie_id != self.tie_id:
            return []
        if moment.id in self.told_ids or any(m.id == moment.id for m in self.held):
            return []  # published again after a worker re-folded the log: the same moment
        seen = self.latest.get(moment.tie_id)
        if seen is None or seen.version < moment.version:
            self.held.append(moment)
            return []
        self.moments.append(moment)
        self.told_ids.add(moment.id)
        return [moment]

    def record(self, is_moment: bool, value: bytes) -> list[Told]:
        """A record of either topic, as its JSON bytes."""
        return self.burst([(is_moment, value)])

    def burst(self, records: list[tuple[bool, bytes]]) -> list[Told]:
        """Records of either topic that arrived together (``(is_moment, JSON bytes)``): told
        in order of their ties' first arrival, then version, each update before its moments."""
        decoded: list[Told] = [
            Moment.model_validate_json(value) if is_moment else TieState.from_json(value)
            for is_moment, value in records
        ]
        first_seen: dict[str, int] = {}
        for item in decoded:
            first_seen.setdefault(item.tie_id, len(first_seen))
        order = sorted(
            range(len(decoded)),
            key=lambda i: (
                first_seen[decoded[i].tie_id],
                decoded[i].version,
                isinstance(decoded[i], Moment),
                i,
            ),
        )
        told: list[Told] = []
        for i in order:
            item = decoded[i]
            told += self.moment(item) if isinstance(item, Moment) else self.update(item)
        return told

    @property
    def ties(self) -> list[TieState]:
        return list(self.latest.values())
