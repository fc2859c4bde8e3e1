"""The ties `tie-scores` knows: the latest state of each, read from the beginning of the
compacted topic to its fetch high watermark (never `end_offsets`, see DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from streams.clients.render import one_line
from streams.kafka.log import read_topic
from tracker import TieState


@dataclass(frozen=True)
class ListedTie:
    """One tie's latest update, and where in `tie-scores` it was read."""

    tie_id: str
    state: TieState | None  # None when the record could not be read as a tie state
    partition: int
    offset: int
    problem: str | None = None

    @property
    def status(self) -> str:
        return self.state.status.value if self.state is not None else "?"

    @property
    def version(self) -> int | None:
        return self.state.version if self.state is not None else None

    def line(self) -> str:
        """``v22 Inter Miami 3-1 LAFC (finished) | aggregate 3-2 | winner Inter Miami``."""
        if self.state is None:
            return f"unreadable: {self.problem}"
        return one_line(self.state)


async def latest_ties(bootstrap: str, topic: str) -> list[ListedTie]:
    """Every tie in ``topic`` at its newest version, sorted by tie id. Raises
    :class:`TopicMissing` when the topic does not exist (no worker has run on this broker)."""
    latest: dict[str, ListedTie] = {}
    async for record in read_topic(bootstrap, topic):
        tie_id = record.key.decode("utf-8", "replace") if record.key is not None else ""
        if record.value is None:  # a tombstone: the tie was deleted
            latest.pop(tie_id, None)
            continue
        try:
            state = TieState.from_json(record.value)
        except ValidationError as error:
            listed = ListedTie(
                tie_id, None, record.partition, record.offset, str(error).splitlines()[0]
            )
        else:
            listed = ListedTie(state.tie_id, state, record.partition, record.offset)
        seen = latest.get(listed.tie_id)
        if seen is None or (listed.version or 0) >= (seen.version or 0):
            latest[listed.tie_id] = listed
    return [latest[tie_id] for tie_id in sorted(latest)]
