"""The match assembled: periods around what happened, each event folded as it is added."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from streams.providers import ImportOptions, ImportResult, MappingBug, ProviderError
from streams.providers.clock import END_MINUTE, START_MINUTE, Clock, clock_at
from streams.providers.codes import PERIODS, SHOOTOUT
from streams.providers.drafts import (
    Draft,
    MatchEndedDraft,
    MatchScheduledDraft,
    PeriodEndedDraft,
    PeriodStartedDraft,
    SaveMadeDraft,
)
from streams.providers.feed import Feed, Happening
from streams.providers.mappers import kloppy_type, mapped
from tracker import InvalidEvent, MatchEvent, RuleViolation, event_from_dict, evolve, new_tie
from tracker.events import Period


def happenings(feed: Feed, skipped: Counter[str]) -> list[Happening]:
    found: list[Happening] = []
    for event in feed.dataset.records:
        drafts = mapped(feed, event)
        if not drafts:
            skipped[kloppy_type(event)] += 1
            continue
        elapsed = feed.elapsed(event)
        found.extend(Happening(event.period.id, elapsed, draft) for draft in drafts)
    found.extend(feed.extra_happenings())
    return found


def default_rules(period_ids: Iterable[int]) -> str:
    """A league match, unless the feed has extra time or a shootout: then a knockout."""
    return "single-match-knockout" if max(period_ids, default=1) > 2 else "league"


class _MatchBuilder:
    """Our events in order, each validated and folded before it is kept.

    What the feed names too little for (no team) and what the fold refuses (the feed
    contradicts itself) are dropped and counted by reason: quirks of the data. An event our
    schema refuses is a bug in our mapper and raises :class:`MappingBug`.
    """

    def __init__(self, provider: str, tie_id: str, match_id: str, dropped: Counter[str]) -> None:
        self.provider = provider
        self.tie_id = tie_id
        self.match_id = match_id
        self.dropped = dropped
        self.tie = new_tie(tie_id)
        self.events: list[MatchEvent] = []

    def schedule(self, draft: MatchScheduledDraft) -> None:
        """The match's first event. It carries the options' ids and the feed's teams, so
        one our schema or the fold refuses is a :class:`ProviderError`."""
        cannot = f"{self.provider}: cannot schedule {draft.home} v {draft.away}"
        try:
            event = self._event(draft, None, None)
        except InvalidEvent as error:
            raise ProviderError(f"{cannot}: {error}") from None
        if not self._folded(draft, event):
            raise ProviderError(f"{cannot}: {dict(self.dropped)}")

    def add(self, draft: Draft, period: Period, clock: Clock | None) -> None:
        """``draft`` as the match's next event, unless it is dropped (and counted)."""
        missing = draft.missing()
        if missing is not None:
            self.dropped[f"{draft.type}: the feed names no {missing}"] += 1
            return
        try:
            event = self._event(draft, period, clock)
        except InvalidEvent as error:
            raise MappingBug(
                f"{self.provider}: our mapper built an invalid {draft.type} event "
                f"({error}) from {draft!r}"
            ) from error
        self._folded(draft, event)

    def _event(self, draft: Draft, period: Period | None, clock: Clock | None) -> MatchEvent:
        seq = len(self.events)
        return event_from_dict(
            {
                "event_id": f"{self.match_id}-{seq:05d}",
                "tie_id": self.tie_id,
                "match_id": self.match_id,
                "seq": seq,
                **({"period": period} if period is not None else {}),
                **({"minute": clock.minute, "added_minute": clock.added_minute} if clock else {}),
                **draft.content(),
            }
        )

    def _folded(self, draft: Draft, event: MatchEvent) -> bool:
        """True when the fold took ``event``; one it refuses is dropped, with the rule."""
        try:
            self.tie = evolve(self.tie, event)
        except RuleViolation as error:
            self.dropped[f"{draft.type}: refused by the fold ({type(error).__name__})"] += 1
            return False
        self.events.append(event)
        return True


def import_match(feed: Feed, options: ImportOptions) -> ImportResult:
    """Our events for the feed's match: scheduled, each period with what happened in it, ended."""
    metadata = feed.dataset.metadata
    periods = sorted(metadata.periods, key=lambda p: p.id)
    period_ids = [p.id for p in periods]
    unknown = [p for p in period_ids if p not in PERIODS]
    if unknown or not periods:
        raise ProviderError(f"{feed.provider}: the feed's periods {period_ids} are not football's")
    match_id = options.match_id or feed.match_id()
    tie_id = options.tie_id or match_id
    rules = options.rules or default_rules(period_ids)
    skipped: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    notes = feed.notes
    by_period: dict[int, list[Happening]] = {p: [] for p in period_ids}
    for happening in happenings(feed, skipped):
        if happening.period_id not in by_period:
            dropped[f"{happening.draft.type}: in a period the feed does not list"] += 1
            continue
        if happening.period_id == SHOOTOUT and isinstance(happening.draft, SaveMadeDraft):
            dropped["save_made: in the shootout (the kick's outcome says it)"] += 1
            continue
        by_period[happening.period_id].append(happening)

    builder = _MatchBuilder(feed.provider, tie_id, match_id, dropped)
    home, away = feed.team_name(feed.home), feed.team_name(feed.away)
    schedule = MatchScheduledDraft(
        home=home, away=away, leg=options.leg, rules=rules, kickoff=feed.kickoff()
    )
    builder.schedule(schedule)
    shootout_minute = END_MINUTE[4] if 4 in period_ids else END_MINUTE[2]
    unclocked = 0
    last_clock: Clock | None = None
    for period in periods:
        name = PERIODS[period.id]
        end: Clock | None
        if period.id == SHOOTOUT:
            start = end = Clock(shootout_minute)
        else:
            start = Clock(START_MINUTE[period.id])
            end = _whistle(feed, period, by_period[period.id])
        builder.add(PeriodStartedDraft(period=name), name, start)
        ordered = sorted(by_period[period.id], key=lambda h: h.elapsed)
        for happening in ordered:
            if period.id == SHOOTOUT:
                clock: Clock | None = start
            else:
                clock = clock_at(period.id, happening.elapsed)
                unclocked += clock is None
            builder.add(happening.draft, name, clock)
        builder.add(PeriodEndedDraft(period=name), name, end)
        last_clock = end
    builder.add(MatchEndedDraft(), PERIODS[periods[-1].id], last_clock)

    if unclocked:
        notes.append(
            f"{unclocked} event(s) have a feed time outside their period: minute left unknown"
        )
    result = ImportResult(
        provider=feed.provider,
        events=builder.events,
        skipped=skipped,
        dropped=dropped,
        notes=notes,
        feed_score=feed.feed_score(),
        tie=builder.tie,
    )
    if result.feed_score is not None and result.feed_score != result.score:
        notes.append(
            f"the feed's final score is {home} {result.feed_score[0]}-{result.feed_score[1]} "
            f"{away}, its events give {result.score[0]}-{result.score[1]}: the event file "
            "is incomplete or edited, or a goal was not recorded as one"
        )
    return result


def _whistle(feed: Feed, period: Any, in_period: list[Happening]) -> Clock | None:
    """The clock when a period ended: its length in the feed, else its last event's time."""
    if period.end_timestamp is not None:
        return clock_at(period.id, period.end_timestamp - period.start_timestamp, is_whistle=True)
    last = max((h.elapsed for h in in_period), default=None)
    return clock_at(period.id, last, is_whistle=True) if last is not None else None
