"""Replays: a tie re-folded with the worker's own fold, from match files or from the log,
as at any minute."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from streams.clients.feed import FeedProgress, clock_order, send_events
from streams.clients.matchfiles import LineError, SourcedEvent, read_events
from streams.clients.render import summary
from streams.codecs import decode_event, wrong_key
from streams.config import Settings, bootstrap_of
from streams.errors import TimedOut
from streams.kafka.admin import create_topics
from streams.kafka.clients import producing
from streams.kafka.follow import Update, follow
from streams.kafka.log import commit_end, read_key, read_topic_batches
from streams.local.worker import WorkerProcess
from streams.topics import REPLAY_PREFIX, TopicNames
from streams.worker.tables import mark_folded_through
from tracker import Folding, InvalidEvent, MatchEvent, RuleViolation, TieState, new_tie
from tracker.timeline import Cut, events_until


@dataclass
class ReplayResult:
    ties: list[TieState] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    cut: Cut | None = None

    def describe(self, tie: TieState) -> str:
        return summary(tie, self.cut)


def fold_sourced(events: Iterable[SourcedEvent], errors: list[LineError]) -> dict[str, TieState]:
    """Fold events per tie; an event the fold refuses (a broken rule, an event_id seen
    before with other content...) is reported with its file and line, and skipped."""
    foldings: dict[str, Folding] = {}
    _fold_on(foldings, ((each.file, each.line, each.event) for each in events), errors)
    return _states(foldings)


#: An event and where it came from: file and line, or topic[partition] and offset.
_Placed = tuple[str, int, MatchEvent]


def _fold_on(
    foldings: dict[str, Folding], events: Iterable[_Placed], errors: list[LineError]
) -> None:
    """``events`` folded on into their ties' foldings (each tie's working copy, changed in
    place: see `tracker.fold.Folding`), refusals reported as by :func:`fold_sourced`."""
    for where, line, event in events:
        folding = foldings.get(event.tie_id)
        if folding is None:
            folding = foldings[event.tie_id] = Folding(new_tie(event.tie_id))
        try:
            folding.add(event)
        except RuleViolation as error:  # every refusal is reported, none dropped
            detail = getattr(error, "detail", None) or str(error)
            reason = f"refused by the fold, {type(error).__name__}: {detail}"
            errors.append(LineError(where, line, error.field, reason))


def _states(foldings: dict[str, Folding]) -> dict[str, TieState]:
    """Each tie now; a tie none of whose events was taken is not made up."""
    states = {tie_id: folding.state for tie_id, folding in foldings.items()}
    return {tie_id: state for tie_id, state in states.items() if state.version}


def replay_files(paths: Iterable[str], cut: Cut | None = None) -> ReplayResult:
    """The ties in ``paths`` as at ``cut`` (or at the end), and every problem found."""
    sourced, errors = read_events(paths)
    if cut is not None:
        kept = {id(e) for e in events_until((s.event for s in sourced), cut)}
        sourced = [s for s in sourced if id(s.event) in kept]
    ties = fold_sourced(sourced, errors)
    return ReplayResult(ties=list(ties.values()), errors=errors, cut=cut)


async def replay_log(
    bootstrap: str, topic: str, tie_id: str, cut: Cut | None = None
) -> ReplayResult:
    """The tie as re-folded from its events in the `match-events` log, as at ``cut``; bad
    messages (already in `dead-letters`) are reported with their partition and offset."""
    sourced, errors = await tie_events_from_log(bootstrap, topic, tie_id)
    if cut is not None:
        kept = {id(e) for e in events_until((s.event for s in sourced), cut)}
        sourced = [s for s in sourced if id(s.event) in kept]
    ties = fold_sourced(sourced, errors)
    return ReplayResult(ties=[ties[tie_id]] if tie_id in ties else [], errors=errors, cut=cut)


#: `replay_all` folds the log in stretches of this many messages, tie by tie.
REPLAY_STRETCH = 5000


async def replay_all(bootstrap: str, topic: str) -> ReplayResult:
    """Every tie in the `match-events` log re-folded to the log's end, sorted by tie id;
    bad messages (in `dead-letters` already) reported with their partition and offset. The
    partitions are read at once, a fetched batch at a time; each stretch of the log is
    folded tie by tie, each tie's events in log order, as the worker's catch-up does (ties
    are independent, and a tie's state stays in the CPU's caches while its events are
    folded). Holds the ties' states, not the log (each tie's working copy, see
    `tracker.fold.Folding`)."""
    foldings: dict[str, Folding] = {}
    errors: list[LineError] = []
    stretch: dict[str, list[_Placed]] = {}
    held = 0
    async for partition, records in read_topic_batches(bootstrap, topic):
        where = f"{topic}[{partition}]"
        for record in records:
            try:
                event = decode_event(record.value)
            except InvalidEvent as error:
                errors.append(LineError(where, record.offset, error.field, error.reason))
                continue
            tie_id = event.tie_id
            if record.key != tie_id.encode():  # the worker folds it nowhere either
                detail = wrong_key(record.key, tie_id)
                errors.append(LineError(where, record.offset, "tie_id", detail))
                continue
            placed = (where, record.offset, event)
            if (events := stretch.get(tie_id)) is None:
                stretch[tie_id] = [placed]
            else:
                events.append(placed)
        held += len(records)
        if held >= REPLAY_STRETCH:
            for events in stretch.values():
                _fold_on(foldings, events, errors)
            stretch, held = {}, 0
    for events in stretch.values():
        _fold_on(foldings, events, errors)
    ties = _states(foldings)
    errors.sort(key=lambda error: (error.file, error.line))
    return ReplayResult(ties=[ties[tie_id] for tie_id in sorted(ties)], errors=errors)


async def tie_events_from_log(
    bootstrap: str, topic: str, tie_id: str
) -> tuple[list[SourcedEvent], list[LineError]]:
    """Every event of ``tie_id`` in ``topic``, in log order, and every undecodable record."""
    sourced: list[SourcedEvent] = []
    errors: list[LineError] = []
    for record in await read_key(bootstrap, topic, tie_id.encode()):
        where = f"{topic}[{record.partition}]"
        try:
            sourced.append(SourcedEvent(where, record.offset, decode_event(record.value), b""))
        except InvalidEvent as error:
            errors.append(LineError(where, record.offset, error.field, error.reason))
    return sourced, errors


async def restream(
    broker: str,
    events: list[SourcedEvent],
    *,
    speed: float,
    partitions: int,
    log_dir: Path,
    say: Callable[[str], None],
    progress: FeedProgress | None = None,
) -> TieState | None:
    """Re-stream a tie's events into the `replay.` namespace, paced at ``speed``, through a
    worker of a fresh group (so live state is untouched); returns the replayed final state.
    The worker starts at the end of `replay.match-events`: its table is marked folded through
    there before it starts, since a worker folds from its marks (from the start of the log
    without them), whatever its group committed; otherwise it re-folded the earlier replays
    and took this one's events for duplicates. ``progress`` records what was sent and
    acknowledged, for a line after an interruption."""
    progress = progress if progress is not None else FeedProgress([])
    progress.timed = clock_order(events)
    names = TopicNames(REPLAY_PREFIX)
    bootstrap = bootstrap_of(broker)
    app_id = f"tracker-replay-{int(time.time() * 1000)}"
    await create_topics(bootstrap, names.layout(partitions))
    ends = await commit_end(bootstrap, app_id, names.match_events)
    await mark_folded_through(bootstrap, app_id, ends)
    settings = Settings.from_env().replace(
        broker=broker,
        app_id=app_id,
        topic_prefix=REPLAY_PREFIX,
        partitions=partitions,
        store="memory://",
    )
    worker = WorkerProcess(settings, log_dir / f"{app_id}.log").start()
    try:
        await asyncio.to_thread(worker.wait_ready)
        expected = fold_sourced(events, [])
        say(f"replay worker {app_id} ready; streaming {len(events)} events at speed {speed:g}")
        updates = follow(bootstrap, [names.tie_scores], from_beginning=False)
        first = asyncio.ensure_future(anext(updates))
        async with producing(bootstrap) as producer:
            await send_events(
                producer, names.match_events, progress.timed, speed=speed, progress=progress
            )
        latest: TieState | None = None
        pending: asyncio.Future[Update] | None = first
        deadline = asyncio.get_running_loop().time() + 60
        while pending is not None and asyncio.get_running_loop().time() < deadline:
            try:
                update = await asyncio.wait_for(pending, 60)
            except TimeoutError:
                raise TimedOut("the replay worker published nothing for 60s") from None
            state = TieState.from_json(update.value)
            target = expected.get(state.tie_id)
            if target is not None:
                latest = state
                if state.version >= target.version:
                    break
            pending = asyncio.ensure_future(anext(updates))
        await updates.aclose()
        return latest
    finally:
        worker.stop()
