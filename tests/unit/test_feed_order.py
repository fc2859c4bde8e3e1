"""The order produce.py feeds events in: legs of a tie one after the other, ties side by side."""

from __future__ import annotations

from streams.clients.feed import clock_order
from streams.clients.matchfiles import SourcedEvent, read_events
from tests.seed import SEED_FILES, SEED_TIE


def seed(*, reverse: bool = False, tie: str = SEED_TIE) -> list[SourcedEvent]:
    files = list(reversed(SEED_FILES)) if reverse else SEED_FILES
    events, errors = read_events(str(path) for path in files)
    assert not errors
    return [
        SourcedEvent(
            s.file,
            s.line,
            s.event.model_copy(update={"tie_id": tie, "match_id": f"{tie}/{s.event.match_id}"}),
            s.raw,
        )
        for s in events
    ]


def legs(order: list) -> list[int]:
    return [1 if item.event.event.match_id.endswith("leg1") else 2 for item in order]


def test_the_second_leg_kicks_off_after_the_first_legs_final_whistle():
    order = clock_order(seed())
    assert legs(order) == [1] * 7 + [2] * 15
    full_time_in_leg_1 = order[6]
    assert full_time_in_leg_1.event.event.type == "match_ended"
    assert order[7].minute == full_time_in_leg_1.minute  # no pause, and no overlap


def test_legs_given_in_the_wrong_order_are_still_played_leg_1_first():
    order = clock_order(seed(reverse=True))
    assert legs(order) == [1] * 7 + [2] * 15
    assert [item.event.event.seq for item in order[7:]] == list(range(15))


def test_the_feed_clock_never_goes_back_within_a_tie():
    minutes = [item.minute for item in clock_order(seed())]
    assert minutes == sorted(minutes)
    assert minutes[-1] == 90 + 90  # leg 1's 90 minutes, then leg 2's


def test_two_ties_played_the_same_evening_interleave_by_their_clocks():
    miami = seed(tie="lafc-v-inter-miami")
    copy = seed(tie="another-quarterfinal")
    order = clock_order(miami + copy)
    ties = [item.event.event.tie_id for item in order]
    assert ties.count("another-quarterfinal") == 22
    first_half_ends = [i for i, item in enumerate(order) if item.minute == 45]
    assert set(ties[: first_half_ends[0]]) == {"lafc-v-inter-miami", "another-quarterfinal"}
    last_of_leg_1 = max(i for i, leg in enumerate(legs(order)) if leg == 1)
    assert all(item.minute <= 90 for item in order[:last_of_leg_1])  # no leg-2 minute played yet
    for tie in ("lafc-v-inter-miami", "another-quarterfinal"):
        mine = [item for item in order if item.event.event.tie_id == tie]
        assert legs(mine) == [1] * 7 + [2] * 15
