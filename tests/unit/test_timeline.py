"""Cutting a tie at a moment of the match clock (replay --at)."""

from __future__ import annotations

import pytest

from streams.bench.synthetic import MatchFeed
from tests.seed import SEED_TIE
from tracker import fold, new_tie
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


def _scorers(events, at: str) -> list[str | None]:
    return [getattr(e, "scorer", None) for e in events_until(events, Cut.parse(at))]


def test_a_goal_sent_late_is_in_every_cut_after_its_minute():
    feed = MatchFeed(SEED_TIE, f"{SEED_TIE}-leg1", "LAFC", "Inter Miami")
    scheduled, kick_off = feed.scheduled(), feed.starts("first_half", 0)
    bouanga = feed.goal("LAFC", 10, scorer="Denis Bouanga")
    long = feed.goal("LAFC", 20, scorer="Aaron Long")
    half_time = feed.ends("first_half", 45)
    arrived = [scheduled, kick_off, long, half_time, bouanga]  # seq 3 came last
    assert "Denis Bouanga" in _scorers(arrived, "15")
    assert {"Denis Bouanga", "Aaron Long"} <= set(_scorers(arrived, "30"))
    tie = fold(events_until(arrived, Cut.parse("30")), new_tie(SEED_TIE))
    assert tie.complete and tie.aggregate == {"LAFC": 2, "Inter Miami": 0}


def test_the_second_half_kicks_off_after_the_first_halfs_added_time():
    feed = MatchFeed(SEED_TIE, f"{SEED_TIE}-leg1", "LAFC", "Inter Miami")
    events = [
        feed.scheduled(),
        feed.starts("first_half", 0),
        feed.ends("first_half", 45, added=2),
        feed.starts("second_half", 45),
    ]
    at_45_plus_2 = fold(events_until(events, Cut.parse("45+2")), new_tie(SEED_TIE))
    assert at_45_plus_2.legs[0].period == "first_half"
    at_46 = fold(events_until(events, Cut.parse("46")), new_tie(SEED_TIE))
    assert at_46.legs[0].period == "second_half"
