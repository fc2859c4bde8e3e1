"""Updates and their moments in telling order, whichever topic's record arrives first."""

from __future__ import annotations

from streams.clients.narration import Narration
from tests.seed import SEED_TIE
from tracker import TieState, evolve, new_tie
from tracker.moments import moments


def history(seed_events):
    """Each update of the seed tie with the moments it caused, as the worker publishes them."""
    tie, told = new_tie(SEED_TIE), []
    for event in seed_events:
        after = evolve(tie, event)
        told.append((after, moments(tie, after, event)))
        tie = after
    return told


def test_a_moment_that_arrives_before_its_update_is_told_just_after_it(seed_events):
    narration = Narration()
    out = []
    for state, said in history(seed_events):
        for moment in said:  # the moments topic is read first
            out += narration.moment(moment)
        out += narration.update(state)
    texts = [f"v{x.version}" if isinstance(x, TieState) else x.text for x in out]
    redondo = texts.index("61' Redondo: 2-1, 2-2 on aggregate, LAFC through on away goals")
    assert texts[redondo - 1] == "v14"
    assert texts[-1] == "Inter Miami go through, 3-2 on aggregate"
    assert not narration.held


def test_stale_and_repeated_updates_are_dropped_and_other_ties_ignored(seed_events):
    told = history(seed_events)
    narration = Narration(SEED_TIE)
    assert narration.update(told[5][0]) == [told[5][0]]
    assert narration.update(told[5][0]) == []
    assert narration.update(told[3][0]) == []
    other = told[6][0].model_copy(update={"tie_id": "another-quarterfinal"})
    assert narration.update(other) == []


def test_a_moment_published_again_after_a_worker_refolded_the_log_is_told_once(seed_events):
    narration = Narration()
    for state, said in history(seed_events):
        narration.update(state)
        for moment in said:
            narration.moment(moment)
    republished = [moment for _, said in history(seed_events) for moment in said]
    assert all(narration.moment(moment) == [] for moment in republished)
    assert len(narration.moments) == len(republished)
