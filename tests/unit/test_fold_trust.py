"""What the fold does with input a feed gets wrong: conflicting copies, gaps, early events,
legs out of order, absurd values. Nothing is dropped silently and no valid input can poison
a match."""

from __future__ import annotations

import orjson
import pytest

from tests.builders import SEED_TIE, MatchFeed, leg_feeds
from tracker import InvalidEvent, Reason, Status, TieState, evolve, fold, new_tie, parse_event
from tracker.bounds import MAX_NAME_LENGTH, MAX_SEQ
from tracker.errors import (
    ConflictingDuplicate,
    InvalidPeriodTransition,
    LegOutOfOrder,
    PeriodNotRunning,
    ShootoutViolation,
    UnknownTeam,
)
from tracker.events import MatchEvent
from tracker.moments import moments, standing_text
from tracker.rules import PRESETS


def kicked_off(feed: MatchFeed) -> TieState:
    return fold([feed.scheduled(), feed.starts("first_half", 0)], new_tie(feed.tie_id))


def skip(feed: MatchFeed, count: int = 1) -> list[MatchEvent]:
    """Events the feed numbers but that never arrive (seq used up, event lost)."""
    return [feed.event("offside_called", 5, team="LAFC") for _ in range(count)]


# -- the same event_id with other content ---------------------------------------------------


def test_an_event_id_resent_with_other_content_is_a_conflicting_duplicate():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 9, scorer="Aaron Long")
    once = evolve(tie, goal)
    forged = goal.model_copy(update={"scorer": "Lionel Messi", "seq": goal.seq + 1})
    with pytest.raises(ConflictingDuplicate) as raised:
        evolve(once, forged)
    assert raised.value.field == "event_id"
    assert "already received with other content" in str(raised.value)


def test_a_conflicting_copy_that_arrives_first_wins_and_the_genuine_event_is_refused():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    genuine = leg1.goal("LAFC", 9, scorer="Aaron Long")
    forged = genuine.model_copy(update={"team": "Inter Miami", "scorer": "Lionel Messi"})
    first = evolve(tie, forged)
    with pytest.raises(ConflictingDuplicate):
        evolve(first, genuine)
    assert first.legs[0].score == {"LAFC": 0, "Inter Miami": 1}


def test_an_event_id_of_the_other_leg_cannot_be_reused():
    leg1, leg2 = leg_feeds()
    tie = fold(
        [leg1.scheduled(), leg1.starts("first_half", 0), leg1.ends("first_half", 45)],
        new_tie(SEED_TIE),
    )
    reused = leg2.scheduled(leg=2).model_copy(update={"event_id": f"{leg1.match_id}-0"})
    with pytest.raises(ConflictingDuplicate):
        evolve(tie, reused)


def test_an_exact_resend_is_still_a_plain_duplicate():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 9, scorer="Aaron Long")
    once = evolve(tie, goal)
    assert evolve(once, goal.model_copy()) is once


# -- gaps: incomplete until filled, early events held -----------------------------------------


def test_a_match_with_a_seq_gap_is_not_complete_until_the_gap_fills():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    (lost,) = skip(leg1)
    goal = leg1.goal("LAFC", 9, scorer="Aaron Long")
    with_gap = evolve(tie, goal)
    assert (with_gap.complete, with_gap.legs[0].complete) == (False, False)
    public = orjson.loads(with_gap.to_json())
    assert public["complete"] is False
    assert public["legs"][0]["seq_gaps"] == [{"after": 1, "before": 3}]
    filled = evolve(with_gap, lost)
    assert (filled.complete, filled.legs[0].complete) == (True, True)


def test_an_early_event_that_does_not_fit_yet_is_held_until_its_gap_fills():
    leg1, _ = leg_feeds()
    tie = fold([leg1.scheduled()], new_tie(SEED_TIE))
    kick_off = leg1.starts("first_half", 0)
    goal = leg1.goal("LAFC", 9, scorer="Aaron Long")  # arrives before the kick-off it follows
    held = evolve(tie, goal)
    assert held.legs[0].held == (goal,)
    assert held.legs[0].score == {"LAFC": 0, "Inter Miami": 0}
    assert moments(tie, held, goal) == []
    assert not held.complete
    played = evolve(held, kick_off)
    assert played.legs[0].held == ()
    assert played.legs[0].score == {"LAFC": 1, "Inter Miami": 0}
    assert played.complete
    in_order = fold([kick_off, goal], tie)
    assert played.to_snapshot() == in_order.to_snapshot()
    assert [m.kind for m in moments(held, played, kick_off)][:2] == ["goal", "period_started"]


def test_an_event_no_earlier_event_could_make_valid_is_refused_at_once_despite_a_gap():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    skip(leg1)
    with pytest.raises(UnknownTeam):
        evolve(tie, leg1.goal("Pumas", 9))
    assert tie.complete  # the refused event left no gap behind


def test_an_event_that_still_does_not_fit_once_its_gap_fills_is_refused_and_named():
    leg1, _ = leg_feeds()
    tie = fold([leg1.scheduled()], new_tie(SEED_TIE))
    (lost,) = skip(leg1)  # seq 1: should have been the kick-off, never comes as such
    goal = leg1.goal("LAFC", 9, scorer="Aaron Long")
    held = evolve(tie, goal)
    kick_off_late = leg1.starts("first_half", 0).model_copy(update={"seq": lost.seq})
    # The gap is filled by an event that makes the goal fit: accepted.
    assert evolve(held, kick_off_late).legs[0].score["LAFC"] == 1
    # Filled by one that breaks a rule itself: the filler is refused, the goal stays held.
    card = leg1.event("card_shown", 3, team="LAFC", card="yellow").model_copy(
        update={"seq": lost.seq}
    )
    with pytest.raises(PeriodNotRunning):
        evolve(held, card)
    # Filled by a valid event after which the goal still cannot count: the goal is refused
    # and named, not lost silently.
    rescheduled = leg1.scheduled().model_copy(
        update={"seq": lost.seq, "event_id": "moved", "venue": "BMO Stadium"}
    )
    filled = evolve(held, rescheduled)
    assert filled.complete
    assert [(r.event_id, r.error) for r in filled.legs[0].refused] == [
        (goal.event_id, "PeriodNotRunning")
    ]


def test_a_late_event_that_makes_a_later_one_impossible_refuses_the_later_one():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    (lost,) = skip(leg1)
    goal = leg1.goal("LAFC", 50, scorer="Aaron Long")  # applied across the gap
    with_gap = evolve(tie, goal)
    assert with_gap.legs[0].score["LAFC"] == 1
    half_time = leg1.ends("first_half", 45).model_copy(update={"seq": lost.seq})
    corrected = evolve(with_gap, half_time)
    match = corrected.legs[0]
    assert match.score["LAFC"] == 0  # a goal while the ball is dead does not count
    assert [(r.event_id, r.error, r.field) for r in match.refused] == [
        (goal.event_id, "PeriodNotRunning", "type")
    ]
    assert "refused" not in corrected.to_json()  # operators get dead letters, fans the score


# -- legs in order -------------------------------------------------------------------------


def test_a_second_leg_event_before_the_first_leg_ended_is_refused():
    leg1, leg2 = leg_feeds()
    tie = fold([leg1.scheduled(), leg2.scheduled(leg=2), leg1.starts("first_half", 0)],
               new_tie(SEED_TIE))  # fmt: skip
    with pytest.raises(LegOutOfOrder) as raised:
        evolve(tie, leg2.starts("first_half", 0))
    assert raised.value.field == "match_id"
    assert "leg 1 has not finished" in str(raised.value)


def test_a_tie_followed_from_its_second_leg_is_folded_without_the_first():
    _, leg2 = leg_feeds()
    tie = fold(
        [leg2.scheduled(leg=2), leg2.starts("first_half", 0), leg2.goal("Inter Miami", 35)],
        new_tie(SEED_TIE),
    )
    assert tie.legs[0].score == {"Inter Miami": 1, "LAFC": 0}


def legs_level_then_won_on_penalties(tie_id: str) -> tuple[list[MatchEvent], list[MatchEvent]]:
    """LAFC 1-0 Inter Miami, then Inter Miami 1-0 LAFC: level on aggregate, no goal in extra
    time, Inter Miami win the shootout 4-1."""
    leg1, leg2 = leg_feeds(tie_id)
    first = [*regulation(leg1, [("LAFC", 30)], rules="uefa-2021"), leg1.final_whistle()]
    kicks = [("Inter Miami", "scored"), ("LAFC", "saved"), ("Inter Miami", "scored")]
    kicks += [("LAFC", "scored"), ("Inter Miami", "scored"), ("LAFC", "missed")]
    kicks += [("Inter Miami", "scored")]
    second = [
        *regulation(leg2, [("Inter Miami", 60)], leg=2, rules="uefa-2021"),
        leg2.starts("extra_time_first_half", 90),
        leg2.ends("extra_time_first_half", 105),
        leg2.starts("extra_time_second_half", 105),
        leg2.ends("extra_time_second_half", 120),
        leg2.starts("penalty_shootout", 120),
        *[leg2.event("shootout_kick_taken", 120, team=t, outcome=o) for t, o in kicks],
        leg2.final_whistle(120),
    ]
    return first, second


def test_a_second_leg_alone_names_no_side_through_and_is_not_a_clean_result():
    _, second = legs_level_then_won_on_penalties("leg2-first")
    after_90 = fold(second[:6], new_tie("leg2-first"))  # leg 2's 90 minutes, leg 1 unknown
    assert after_90.legs[0].score == {"Inter Miami": 1, "LAFC": 0}
    assert (after_90.advancing, after_90.winner) == (None, None)
    assert after_90.goals_needed == {}
    assert not after_90.complete
    assert after_90.status is not Status.FINISHED
    assert standing_text(after_90) == "leg 1 not received: who goes through is not known"


def test_a_second_leg_fed_before_the_first_ends_as_the_tie_fed_in_order():
    first, second = legs_level_then_won_on_penalties("leg2-first")
    in_order = fold([*first, *second], new_tie("leg2-first"))
    assert (in_order.winner, in_order.reason) == ("Inter Miami", Reason.PENALTIES)
    # Extra time and the shootout are taken as the feed sends them: without leg 1 nothing
    # says the tie was not level after 90 minutes.
    leg2_alone = fold(second, new_tie("leg2-first"))
    assert leg2_alone.winner is None and not leg2_alone.complete
    reversed_legs = fold(first, leg2_alone)
    assert reversed_legs.complete
    assert reversed_legs.model_dump(exclude={"legs", "version"}) == in_order.model_dump(
        exclude={"legs", "version"}
    )


def test_a_first_leg_received_late_that_leaves_leg_2s_extra_time_unearned_is_refused():
    first, second = legs_level_then_won_on_penalties("leg2-first")
    goalless_first = [event for event in first if event.type != "goal_scored"]
    tie = fold([*second, *goalless_first[:-1]], new_tie("leg2-first"))  # all but its whistle
    with pytest.raises(InvalidPeriodTransition, match="Inter Miami were through on aggregate"):
        evolve(tie, goalless_first[-1])


def test_rules_may_let_the_legs_interleave():
    rules = PRESETS["concacaf-champions-cup-2025"].model_copy(update={"legs_in_order": False})
    leg1, leg2 = leg_feeds()
    tie = fold(
        [
            leg1.scheduled(rules=rules),
            leg2.scheduled(leg=2, rules=rules),
            leg1.starts("first_half", 0),
            leg2.starts("first_half", 0),
            leg2.goal("Inter Miami", 35, scorer="Lionel Messi"),
        ],
        new_tie(SEED_TIE),
    )
    assert tie.aggregate == {"LAFC": 0, "Inter Miami": 1}


# -- the shootout under way ------------------------------------------------------------------


def test_a_shootout_under_way_is_not_extra_time_to_come():
    feed = MatchFeed("final", "final-m", "Inter Miami", "LAFC")
    tie = fold(
        [
            feed.scheduled(rules="single-match-knockout"),
            feed.starts("first_half", 0),
            feed.ends("first_half", 45),
            feed.starts("second_half", 45),
            feed.ends("second_half", 90),
            feed.starts("extra_time_first_half", 90),
            feed.ends("extra_time_first_half", 105),
            feed.starts("extra_time_second_half", 105),
            feed.ends("extra_time_second_half", 120),
        ],
        new_tie("final"),
    )
    assert standing_text(tie) == "level, penalties to come"
    start = feed.starts("penalty_shootout", 120)
    under_way = evolve(tie, start)
    assert under_way.reason is Reason.PENALTIES
    assert standing_text(under_way) == "level, penalty shootout under way"
    kick = feed.event("shootout_kick_taken", 120, team="Inter Miami", outcome="scored")
    ahead = evolve(under_way, kick)
    assert standing_text(ahead) == "Inter Miami ahead on penalties (1-0)"
    told = [m.text for m in moments(under_way, ahead, kick)]
    assert "120' Now: Inter Miami ahead on penalties (1-0)" in told


def test_a_shootout_kick_is_told_with_its_takers_team():
    feed = MatchFeed("final", "final-m", "Inter Miami", "LAFC")
    rules = PRESETS["single-match-knockout"].model_copy(update={"extra_time": False})
    tie = fold(
        [*regulation(feed, [], rules=rules), feed.starts("penalty_shootout", 90)], new_tie("final")
    )
    named = feed.event(
        "shootout_kick_taken", 90, team="LAFC", outcome="saved", taker="Denis Bouanga"
    )
    after = evolve(tie, named)
    assert "Shootout: Bouanga (LAFC) saved, Inter Miami 0-0 LAFC" in [
        m.text for m in moments(tie, after, named)
    ]
    unnamed = feed.event("shootout_kick_taken", 90, team="Inter Miami", outcome="scored")
    assert "Shootout: Inter Miami scored, Inter Miami 1-0 LAFC" in [
        m.text for m in moments(after, evolve(after, unnamed), unnamed)
    ]


# -- bounds ----------------------------------------------------------------------------------


def event_json(**changes: object) -> bytes:
    base = {
        "event_id": "e1",
        "tie_id": SEED_TIE,
        "match_id": "m1",
        "seq": 3,
        "type": "goal_scored",
        "team": "Inter Miami",
        "scorer": "Lionel Messi",
    }
    return orjson.dumps({**base, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scorer": "M" * 1_000_000}, "scorer"),
        ({"team": "X" * (MAX_NAME_LENGTH + 1)}, "team"),
        ({"event_id": "e" * 129}, "event_id"),
        ({"seq": 2**63}, "seq"),
        ({"seq": MAX_SEQ + 1}, "seq"),
        ({"minute": 151}, "minute"),
        ({"scorer": "Lionel\x1b[2J Messi"}, "scorer"),
        ({"tie_id": "tie\x00"}, "tie_id"),
    ],
)
def test_absurd_values_are_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidEvent) as raised:
        parse_event(event_json(**changes))
    assert raised.value.field == field
    assert len(str(raised.value)) < 300


def test_a_huge_unknown_field_name_is_named_briefly():
    with pytest.raises(InvalidEvent) as raised:
        parse_event(event_json(**{"x" * 100_000: 1}))
    assert len(str(raised.value)) < 400


def test_moment_ids_name_the_event_and_the_change():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 9, scorer="Aaron Long")
    after = evolve(tie, goal)
    told = moments(tie, after, goal)
    assert told[0].id == f"{goal.event_id}:goal"
    assert len({m.id for m in told}) == len(told)
    assert [m.id for m in moments(tie, after, goal)] == [m.id for m in told]
    assert after.status is Status.LIVE


def test_a_goal_overturned_by_var_counts_as_disallowed():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 20, scorer="Aaron Long")
    overturned = fold(
        [
            goal,
            leg1.event("var_review_started", 21, about="goal", team="LAFC",
                       subject_event_id=goal.event_id),
            leg1.event("var_review_decided", 22, about="goal", team="LAFC",
                       outcome="overturned", subject_event_id=goal.event_id),
        ],
        tie,
    )  # fmt: skip
    match = overturned.legs[0]
    assert match.score == {"LAFC": 0, "Inter Miami": 0}
    assert match.stats["LAFC"].disallowed_goals == 1


# -- tie-breaks only for a level tie, and only a decided shootout ends ------------------------


def regulation(feed: MatchFeed, goals: list[tuple[str, int]], **schedule) -> list[MatchEvent]:
    return [
        feed.scheduled(**schedule),
        feed.starts("first_half", 0),
        *[feed.goal(team, minute) for team, minute in goals if minute <= 45],
        feed.ends("first_half", 45),
        feed.starts("second_half", 45),
        *[feed.goal(team, minute) for team, minute in goals if minute > 45],
        feed.ends("second_half", 90),
    ]


def test_a_tie_decided_on_away_goals_is_not_let_into_extra_time():
    leg1, leg2 = leg_feeds("old-uefa")
    rules = "uefa-pre-2021"
    tie = fold(
        [
            *regulation(leg1, [("LAFC", 60), ("Inter Miami", 70)], rules=rules),
            leg1.final_whistle(),
            *regulation(leg2, [], leg=2, rules=rules),
        ],
        new_tie("old-uefa"),
    )
    assert (tie.advancing, tie.reason) == ("Inter Miami", Reason.AWAY_GOALS)
    with pytest.raises(InvalidPeriodTransition) as raised:
        evolve(tie, leg2.starts("extra_time_first_half", 90))
    assert raised.value.field == "period"
    assert "Inter Miami were through on away goals" in str(raised.value)


def test_a_shootout_after_a_goal_in_extra_time_is_refused():
    feed = MatchFeed("final", "final-m", "Inter Miami", "LAFC")
    tie = fold(
        [
            *regulation(feed, [], rules="single-match-knockout"),
            feed.starts("extra_time_first_half", 90),
            feed.goal("Inter Miami", 99, scorer="Lionel Messi"),
            feed.ends("extra_time_first_half", 105),
            feed.starts("extra_time_second_half", 105),
            feed.ends("extra_time_second_half", 120),
        ],
        new_tie("final"),
    )
    with pytest.raises(InvalidPeriodTransition, match="after extra time"):
        evolve(tie, feed.starts("penalty_shootout", 120))


def test_the_final_whistle_while_the_shootout_is_undecided_is_refused():
    shootout = MatchFeed("sd", "sd-m", "Inter Miami", "LAFC")
    rules = PRESETS["single-match-knockout"].model_copy(update={"extra_time": False})
    tie = fold(
        [
            *regulation(shootout, [], rules=rules),
            shootout.starts("penalty_shootout", 90),
            shootout.event("shootout_kick_taken", 90, team="Inter Miami", outcome="scored"),
            shootout.event("shootout_kick_taken", 90, team="LAFC", outcome="scored"),
        ],
        new_tie("sd"),
    )
    assert tie.winner is None
    with pytest.raises(ShootoutViolation, match="undecided"):
        evolve(tie, shootout.final_whistle(90))
    ends = shootout.ends("penalty_shootout", 90)
    with pytest.raises(ShootoutViolation, match="undecided"):  # at the seq the whistle left
        evolve(tie, ends.model_copy(update={"seq": tie.legs[0].last_seq + 1}))


def test_a_retraction_that_would_undo_the_level_score_a_shootout_needed_is_refused():
    shootout = MatchFeed("sd", "sd-m", "Inter Miami", "LAFC")
    rules = PRESETS["single-match-knockout"].model_copy(update={"extra_time": False})
    goals = [("Inter Miami", 10), ("LAFC", 80)]
    events = [*regulation(shootout, goals, rules=rules), shootout.starts("penalty_shootout", 90)]
    tie = fold(events, new_tie("sd"))
    goal = next(e for e in events if e.type == "goal_scored")
    retraction = shootout.event("event_retracted", retracted_event_id=goal.event_id)
    with pytest.raises(InvalidPeriodTransition, match="not level"):
        evolve(tie, retraction)
