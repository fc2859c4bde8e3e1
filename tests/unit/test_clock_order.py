"""The producer's order: matches of one evening interleave by clock, legs of a tie do not."""

from __future__ import annotations

from streams.matchfiles import read_events
from streams.producing import clock_order
from tests.conftest import SEED_FILES
from tests.streams.harness import sourced


def test_the_second_leg_is_played_after_the_first_has_ended():
    events, errors = read_events([str(path) for path in reversed(SEED_FILES)])
    assert not errors
    order = [timed.event.event for timed in clock_order(events)]
    legs = [event.match_id.rsplit("-", 1)[-1] for event in order]
    assert legs == sorted(legs)  # every leg1 event before the first leg2 event
    assert order[legs.index("leg2") - 1].type == "match_ended"
    minutes = [timed.minute for timed in clock_order(events)]
    assert minutes == sorted(minutes)


def test_different_matches_of_one_evening_interleave_by_their_clocks(seed_events):
    leg2 = [event for event in seed_events if event.match_id.endswith("leg2")]
    other = [
        event.model_copy(update={"tie_id": "other-tie", "match_id": "other-match"})
        for event in leg2
    ]
    order = [timed.event.event.match_id for timed in clock_order(sourced(leg2 + other))]
    first_half = order[: order.index("other-match") + 1]
    assert len(first_half) < len(leg2)  # the other match started before this one ended
