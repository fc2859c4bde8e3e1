"""Cutting a tie at a moment of the match clock (replay --at)."""

from __future__ import annotations

import pytest

from tracker.timeline import MAX_ADDED_MINUTE, MAX_MINUTE, Cut, InvalidCut, events_until


def test_a_cut_reads_minutes_stoppage_time_and_legs():
    assert Cut.parse("61") == Cut(61)
    assert Cut.parse("90+3") == Cut(90, 3)
    assert Cut.parse("1:30") == Cut(30, leg=1)
    assert (Cut.parse("90+3").clock, str(Cut.parse("1:30"))) == ("90+3'", "leg 1, 30'")


def test_the_cut_allows_exactly_the_clock_the_event_schema_allows():
    assert (MAX_MINUTE, MAX_ADDED_MINUTE) == (150, 30)
    assert Cut.parse("150+30") == Cut(150, 30)
    with pytest.raises(InvalidCut, match="goes up to 150'"):
        Cut.parse("200")
    with pytest.raises(InvalidCut, match=r"added time goes up to \+30"):
        Cut.parse("90+40")
    with pytest.raises(InvalidCut, match="expected MINUTE"):
        Cut.parse("sixty")


def test_redondos_61st_minute_goal_is_in_a_cut_at_61_and_not_at_60(seed_events):
    def scorers(at: str) -> list[str | None]:
        kept = events_until(seed_events, Cut.parse(at))
        return [getattr(e, "scorer", None) for e in kept if e.type == "goal_scored"]

    assert "Federico Redondo" in scorers("61")
    assert "Federico Redondo" not in scorers("60")
