"""Tie updates and their moments in telling order: each update, then the moments it caused.

`tie-scores` and `moments` are two topics, so a moment can arrive before the update it
belongs to; it is held until that update (its `version`) has been told. Updates that are not
newer than the last one told for their tie are dropped.
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
        return [state, *released]

    def moment(self, moment: Moment) -> list[Told]:
        """A `moments` record: told now if its update was, held otherwise."""
        if self.tie_id is not None and moment.tie_id != self.tie_id:
            return []
        seen = self.latest.get(moment.tie_id)
        if seen is None or seen.version < moment.version:
            self.held.append(moment)
            return []
        self.moments.append(moment)
        return [moment]

    def record(self, is_moment: bool, value: bytes) -> list[Told]:
        """A record of either topic, as its JSON bytes."""
        if is_moment:
            return self.moment(Moment.model_validate_json(value))
        return self.update(TieState.from_json(value))

    @property
    def ties(self) -> list[TieState]:
        return list(self.latest.values())
