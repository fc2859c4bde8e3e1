"""The fold's rules: ordering, idempotency, corrections, periods, shootouts, typed errors."""

from __future__ import annotations

import pytest

from tests.builders import MatchFeed, leg_feeds
from tracker import OutOfOrderEvent, Reason, Status, TieState, evolve, fold, new_tie
from tracker.errors import (
    InvalidPeriodTransition,
    MatchAlreadyEnded,
    PeriodNotRunning,
    ScheduleConflict,
    ShootoutViolation,
    UnknownEventReference,
    UnknownMatch,
    UnknownTeam,
    WrongTie,
)

TIE = "2025-concacaf-qf-lafc-inter-miami"


def kicked_off(feed: MatchFeed, **schedule) -> TieState:
    return fold([feed.scheduled(**schedule), feed.starts("first_half", 0)], new_tie(feed.tie_id))


def final(tie_id: str = "final", rules: str = "single-match-knockout") -> MatchFeed:
    return MatchFeed(tie_id, f"{tie_id}-m", "Inter Miami", "LAFC")


def level_after_regulation(feed: MatchFeed, rules: str = "single-match-knockout") -> TieState:
    return fold(
        [
            feed.scheduled(rules=rules),
            feed.starts("first_half", 0),
            feed.goal("LAFC", 9, scorer="Aaron Long"),
            feed.goal("Inter Miami", 35, scorer="Lionel Messi"),
            feed.ends("first_half", 45),
            feed.starts("second_half", 45),
            feed.ends("second_half", 90),
        ],
        new_tie(feed.tie_id),
    )


def test_a_duplicate_event_changes_nothing():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 20)
    once = evolve(tie, goal)
    assert evolve(once, goal) is once


def test_the_same_seq_with_a_new_event_id_and_the_same_content_is_a_duplicate():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 20)
    once = evolve(tie, goal)
    assert evolve(once, goal.model_copy(update={"event_id": "resent"})) is once


def test_a_new_event_with_an_old_seq_and_other_content_is_out_of_order():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 20)
    once = evolve(tie, goal)
    clash = goal.model_copy(update={"event_id": "other", "team": "Inter Miami"})
    with pytest.raises(OutOfOrderEvent) as raised:
        evolve(once, clash)
    assert (raised.value.match_id, raised.value.got, raised.value.field) == (
        leg1.match_id,
        goal.seq,
        "seq",
    )


def test_a_new_event_before_the_first_seq_of_its_match_is_out_of_order():
    leg1 = MatchFeed(TIE, "late-start", "LAFC", "Inter Miami")
    for _ in range(5):
        leg1.event("offside_called", team="LAFC")  # seqs 0-4 never sent: the feed starts at 5
    tie = kicked_off(leg1)
    early = leg1.goal("LAFC", 3).model_copy(update={"seq": 2, "event_id": "early"})
    with pytest.raises(OutOfOrderEvent) as raised:
        evolve(tie, early)
    assert (raised.value.expected, raised.value.got) == (7, 2)


def test_a_seq_gap_is_recorded_and_a_late_event_fills_it_in_seq_order():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    missing = leg1.goal("LAFC", 10, scorer="Denis Bouanga")
    later = leg1.goal("Inter Miami", 20, scorer="Lionel Messi")
    with_gap = evolve(tie, later)
    match = with_gap.legs[0]
    assert [(gap.after, gap.before) for gap in match.seq_gaps] == [(1, 3)]
    healed = evolve(with_gap, missing)
    assert healed.legs[0].seq_gaps == ()
    assert [goal.minute for goal in healed.legs[0].goals] == [10, 20]
    assert healed == evolve(evolve(tie, missing), later).model_copy(update={"version": 4})


def test_a_rule_breaking_event_raises_and_leaves_the_state_untouched():
    leg1, _ = leg_feeds()
    tie = fold([leg1.scheduled()], new_tie(TIE))
    snapshot = tie.to_snapshot()
    with pytest.raises(PeriodNotRunning) as raised:
        evolve(tie, leg1.goal("LAFC", 1))
    assert "before kick-off" in str(raised.value)
    assert tie.to_snapshot() == snapshot


def test_a_team_that_is_not_in_the_match_is_named_in_the_error():
    leg1, _ = leg_feeds()
    with pytest.raises(UnknownTeam) as raised:
        evolve(kicked_off(leg1), leg1.goal("Pumas", 10))
    assert raised.value.field == "team"
    assert "'Pumas'" in str(raised.value) and leg1.match_id in str(raised.value)


def test_an_event_of_an_unscheduled_match_or_another_tie_is_refused():
    leg1, _ = leg_feeds()
    with pytest.raises(UnknownMatch):
        evolve(new_tie(TIE), leg1.starts("first_half", 0))
    with pytest.raises(WrongTie):
        evolve(new_tie("another-tie"), leg1.scheduled())


def test_the_second_leg_must_swap_the_first_legs_teams():
    leg1, _ = leg_feeds()
    wrong = MatchFeed(TIE, f"{TIE}-leg2", "LAFC", "Inter Miami")
    with pytest.raises(ScheduleConflict) as raised:
        fold([leg1.scheduled(), wrong.scheduled(leg=2)], new_tie(TIE))
    assert raised.value.field == "home"


def test_a_goal_given_then_disallowed_takes_the_score_back():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 30)
    tie = evolve(tie, goal)
    ruled_out = leg1.event(
        "goal_disallowed", 31, team="LAFC", reason="offside", goal_event_id=goal.event_id
    )
    after = evolve(tie, ruled_out)
    assert after.legs[0].score == {"LAFC": 0, "Inter Miami": 0}
    assert after.legs[0].stats["LAFC"].disallowed_goals == 1
    assert after.legs[0].cancelled == (goal.event_id,)
    assert after.version == tie.version + 1


def test_a_retraction_equals_never_having_had_the_event():
    leg1, _ = leg_feeds()
    base = kicked_off(leg1)
    card = leg1.event("card_shown", 12, team="LAFC", card="red", player="Aaron Long")
    goal = leg1.goal("Inter Miami", 40)
    retraction = leg1.event("event_retracted", 41, retracted_event_id=card.event_id)
    corrected = fold([card, goal, retraction], base)
    assert corrected.legs[0].sent_off == ()
    assert corrected.legs[0].stats["LAFC"].red_cards == 0
    assert corrected.legs[0].score == fold([goal], base).legs[0].score
    assert evolve(corrected, card) is corrected  # a late redelivery stays retracted


def test_retracting_an_unknown_event_is_refused_with_the_field_named():
    leg1, _ = leg_feeds()
    with pytest.raises(UnknownEventReference) as raised:
        evolve(kicked_off(leg1), leg1.event("event_retracted", 5, retracted_event_id="nope"))
    assert raised.value.field == "retracted_event_id"


def test_var_overturning_a_goal_removes_it():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    goal = leg1.goal("LAFC", 30, scorer="Denis Bouanga")
    review = leg1.event("var_review_started", 31, about="goal", subject_event_id=goal.event_id)
    tie = fold([goal, review], tie)
    decided = leg1.event(
        "var_review_decided", 33, about="goal", outcome="overturned", subject_event_id=goal.event_id
    )
    after = evolve(tie, decided)
    assert after.legs[0].goals == ()
    assert after.legs[0].var_reviews[0].outcome == "overturned"


def test_an_own_goal_counts_for_the_other_team():
    leg1, _ = leg_feeds()
    tie = evolve(kicked_off(leg1), leg1.goal("LAFC", 50, scorer="Aaron Long", kind="own_goal"))
    match = tie.legs[0]
    assert match.score == {"LAFC": 0, "Inter Miami": 1}
    assert match.stats["LAFC"].own_goals == 1 and match.stats["Inter Miami"].goals == 1
    assert tie.away_goals == {"LAFC": 0, "Inter Miami": 1}


def test_a_second_yellow_sends_the_player_off():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    tie = fold(
        [
            leg1.event("card_shown", 20, team="LAFC", card="yellow", player="Aaron Long"),
            leg1.event("card_shown", 70, team="LAFC", card="second_yellow", player="Aaron Long"),
        ],
        tie,
    )
    stats = tie.legs[0].stats["LAFC"]
    assert (stats.yellow_cards, stats.red_cards) == (2, 1)
    assert [d.player for d in tie.legs[0].sent_off] == ["Aaron Long"]


def test_periods_follow_the_football_order():
    leg1, _ = leg_feeds()
    tie = kicked_off(leg1)
    with pytest.raises(InvalidPeriodTransition) as raised:
        evolve(tie, leg1.starts("second_half", 45))
    assert raised.value.field == "period"
    next_seq = {"seq": tie.legs[0].last_seq + 1}  # the refused event left no seq behind
    with pytest.raises(InvalidPeriodTransition):
        evolve(tie, leg1.ends("second_half", 90).model_copy(update=next_seq))


def test_no_extra_time_in_a_first_leg():
    leg1, _ = leg_feeds()
    tie = fold(
        [
            leg1.scheduled(),
            leg1.starts("first_half", 0),
            leg1.ends("first_half", 45),
            leg1.starts("second_half", 45),
            leg1.ends("second_half", 90),
        ],
        new_tie(TIE),
    )
    with pytest.raises(InvalidPeriodTransition):
        evolve(tie, leg1.starts("extra_time_first_half", 90))


def test_nothing_but_cards_and_corrections_after_the_final_whistle():
    feed = MatchFeed("league-1", "league-1-m", "Inter Miami", "LAFC")
    tie = fold(
        [
            feed.scheduled(rules="league"),
            feed.starts("first_half", 0),
            feed.ends("first_half", 45),
            feed.starts("second_half", 45),
            feed.ends("second_half", 90),
            feed.final_whistle(),
        ],
        new_tie("league-1"),
    )
    assert (tie.status, tie.advancing, tie.reason, tie.winner) == (
        Status.FINISHED,
        None,
        None,
        None,
    )
    with pytest.raises(MatchAlreadyEnded):
        evolve(tie, feed.event("save_made", 90, team="LAFC"))
    card = evolve(tie, feed.event("card_shown", 90, team="LAFC", card="red"))
    assert card.legs[0].stats["LAFC"].red_cards == 1


def test_a_knockout_match_cannot_end_level():
    feed = final()
    tie = level_after_regulation(feed)
    assert (tie.advancing, tie.reason) == (None, Reason.EXTRA_TIME)
    with pytest.raises(InvalidPeriodTransition):
        evolve(tie, feed.final_whistle())


def shootout(feed: MatchFeed, tie: TieState, kicks: list[tuple[str, str]]) -> TieState:
    tie = fold(
        [
            feed.starts("extra_time_first_half", 90),
            feed.ends("extra_time_first_half", 105),
            feed.starts("extra_time_second_half", 105),
            feed.ends("extra_time_second_half", 120),
            feed.starts("penalty_shootout", 120),
        ],
        tie,
    )
    for team, outcome in kicks:
        tie = evolve(tie, feed.event("shootout_kick_taken", 120, team=team, outcome=outcome))
    return tie


def test_a_single_match_knockout_is_decided_by_the_shootout():
    feed = final()
    tie = level_after_regulation(feed)
    kicks = [("Inter Miami", "scored"), ("LAFC", "scored")] * 5
    kicks += [("Inter Miami", "scored"), ("LAFC", "saved")]
    tie = shootout(feed, tie, kicks)
    assert tie.legs[0].shootout.score == {"Inter Miami": 6, "LAFC": 5}
    assert (tie.winner, tie.reason, tie.status) == (
        "Inter Miami",
        Reason.PENALTIES,
        Status.FINISHED,
    )
    assert tie.aggregate == {"Inter Miami": 1, "LAFC": 1}  # shootout goals are not goals
    ended = evolve(tie, feed.ends("penalty_shootout", 120))
    assert evolve(ended, feed.final_whistle()).winner == "Inter Miami"


def test_a_shootout_decided_early_ends_early():
    feed = final()
    tie = level_after_regulation(feed)
    kicks = [("LAFC", "scored"), ("Inter Miami", "saved")] * 2
    kicks += [("LAFC", "scored"), ("Inter Miami", "scored")]
    tie = shootout(feed, tie, kicks)
    assert tie.legs[0].shootout.score == {"Inter Miami": 1, "LAFC": 3}
    assert tie.winner is None  # 3-1 after three each: Inter Miami can still reach 3
    tie = evolve(tie, feed.event("shootout_kick_taken", 120, team="LAFC", outcome="scored"))
    assert tie.winner == "LAFC"
    assert len(tie.legs[0].shootout.kicks) == 7
    with pytest.raises(ShootoutViolation):
        evolve(tie, feed.event("shootout_kick_taken", 120, team="Inter Miami", outcome="scored"))


def test_shootout_kicks_alternate():
    feed = final()
    tie = shootout(feed, level_after_regulation(feed), [("LAFC", "scored")])
    with pytest.raises(ShootoutViolation) as raised:
        evolve(tie, feed.event("shootout_kick_taken", 120, team="LAFC", outcome="scored"))
    assert raised.value.field == "team"


def test_away_goals_count_in_extra_time_under_uefa_before_2021():
    leg1, leg2 = leg_feeds("old-uefa")
    rules = "uefa-pre-2021"
    events = [
        leg1.scheduled(rules=rules),
        leg1.starts("first_half", 0),
        leg1.ends("first_half", 45),
        leg1.starts("second_half", 45),
        leg1.goal("LAFC", 60),
        leg1.ends("second_half", 90),
        leg1.final_whistle(),
        leg2.scheduled(leg=2, rules=rules),
        leg2.starts("first_half", 0),
        leg2.goal("Inter Miami", 10),
        leg2.ends("first_half", 45),
        leg2.starts("second_half", 45),
        leg2.ends("second_half", 90),
        leg2.starts("extra_time_first_half", 90),
        leg2.goal("LAFC", 95),
        leg2.goal("Inter Miami", 100),
    ]
    tie = fold(events, new_tie("old-uefa"))
    assert tie.aggregate == {"LAFC": 2, "Inter Miami": 2}
    assert tie.away_goals == {"LAFC": 1, "Inter Miami": 0}
    assert (tie.advancing, tie.reason) == ("LAFC", Reason.AWAY_GOALS)


def test_state_json_round_trip_is_lossless(seed_events):
    tie = fold(seed_events, new_tie(TIE))
    again = TieState.from_json(tie.to_snapshot())
    assert again == tie
    assert again.to_snapshot() == tie.to_snapshot()


def test_the_public_json_leaves_out_the_raw_timeline_but_nothing_a_fan_sees(seed_events):
    tie = fold(seed_events, new_tie(TIE))
    public = TieState.from_json(tie.to_json())
    assert all(leg.timeline == () for leg in public.legs)
    assert public.to_json() == tie.to_json()
    assert public.legs[1].goals == tie.legs[1].goals


def test_every_kind_of_event_has_an_effect_on_its_match():
    from tracker.effects import _EFFECTS
    from tracker.events import EVENT_TYPES

    assert set(_EFFECTS) == set(EVENT_TYPES)
