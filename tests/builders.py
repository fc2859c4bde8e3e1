"""Terse builders for match events in tests, numbering `seq` and `event_id` per match."""

from __future__ import annotations

from itertools import count
from typing import Any

from tracker import MatchEvent, event_from_dict

SEED_TIE = "2025-concacaf-qf-lafc-inter-miami"


class MatchFeed:
    """Events of one match, as a feed would send them: ``feed.goal("Inter Miami", 61)``."""

    def __init__(self, tie_id: str, match_id: str, home: str, away: str) -> None:
        self.tie_id = tie_id
        self.match_id = match_id
        self.home = home
        self.away = away
        self._seq = count()
        self.period: str | None = None

    def event(self, type: str, minute: int | None = None, **fields: Any) -> MatchEvent:
        seq = next(self._seq)
        data: dict[str, Any] = {
            "event_id": f"{self.match_id}-{seq}",
            "tie_id": self.tie_id,
            "match_id": self.match_id,
            "seq": seq,
            "type": type,
            "period": fields.pop("period", self.period),
            "minute": minute,
            **fields,
        }
        return event_from_dict(data)

    def scheduled(self, leg: int = 1, rules: Any = "concacaf-champions-cup-2025") -> MatchEvent:
        return self.event("match_scheduled", home=self.home, away=self.away, leg=leg, rules=rules)

    def starts(self, period: str, minute: int) -> MatchEvent:
        self.period = period
        return self.event("period_started", minute, period=period)

    def ends(self, period: str, minute: int, added: int | None = None) -> MatchEvent:
        return self.event("period_ended", minute, period=period, added_minute=added)

    def goal(self, team: str, minute: int | None, **fields: Any) -> MatchEvent:
        return self.event("goal_scored", minute, team=team, **fields)

    def final_whistle(self, minute: int = 90) -> MatchEvent:
        return self.event("match_ended", minute)


def leg_feeds(tie_id: str = SEED_TIE) -> tuple[MatchFeed, MatchFeed]:
    """The seed tie's two legs: LAFC at home first, then Inter Miami at home."""
    return (
        MatchFeed(tie_id, f"{tie_id}-leg1", "LAFC", "Inter Miami"),
        MatchFeed(tie_id, f"{tie_id}-leg2", "Inter Miami", "LAFC"),
    )
