"""Every claim of the seed report, read off the folded tie at the right minute."""

from __future__ import annotations

from tests.seed import SEED_TIE as TIE
from tracker import MatchEvent, Reason, Status, TieState, fold, new_tie
from tracker.events import MatchScheduled
from tracker.moments import MomentKind, moments
from tracker.rules import PRESETS
from tracker.timeline import Cut, events_until


def tie_at(events: list[MatchEvent], at: str | None = None) -> TieState:
    chosen = events if at is None else list(events_until(events, Cut.parse(at)))
    return fold(chosen, new_tie(TIE))


def night(tie: TieState) -> dict[str, int]:
    return tie.legs[-1].score


def test_first_leg_ends_lafc_one_nil_with_the_scorer_unknown(seed_events):
    tie = tie_at(seed_events, "1:90")
    leg1 = tie.legs[0]
    assert leg1.score == {"LAFC": 1, "Inter Miami": 0}
    assert leg1.status is Status.FINISHED
    assert [goal.scorer for goal in leg1.goals] == [None]


def test_aaron_long_puts_lafc_two_up_on_aggregate_after_nine_minutes(seed_events):
    tie = tie_at(seed_events, "9")
    assert night(tie) == {"Inter Miami": 0, "LAFC": 1}
    assert tie.aggregate == {"LAFC": 2, "Inter Miami": 0}
    assert tie.legs[-1].goals[-1].scorer == "Aaron Long"
    assert (tie.advancing, tie.reason) == ("LAFC", Reason.AGGREGATE)
    assert tie.goals_needed == {"Inter Miami": 3}


def test_messi_levels_the_night_at_35_and_miami_need_two(seed_events):
    tie = tie_at(seed_events, "35")
    goal = tie.legs[-1].goals[-1]
    assert (goal.scorer, goal.body_part, goal.kind) == ("Lionel Messi", "left_foot", "open_play")
    assert night(tie) == {"Inter Miami": 1, "LAFC": 1}
    assert tie.aggregate == {"LAFC": 2, "Inter Miami": 1}
    assert tie.goals_needed == {"Inter Miami": 2}


def test_redondo_levels_the_aggregate_at_61_but_lafc_go_through_on_away_goals(seed_events):
    tie = tie_at(seed_events, "61")
    goal = tie.legs[-1].goals[-1]
    assert (goal.scorer, goal.assist, goal.is_deflected) == ("Federico Redondo", "Noah Allen", True)
    assert night(tie) == {"Inter Miami": 2, "LAFC": 1}
    assert tie.aggregate == {"LAFC": 2, "Inter Miami": 2}
    assert tie.away_goals == {"LAFC": 1, "Inter Miami": 0}
    assert (tie.advancing, tie.reason) == ("LAFC", Reason.AWAY_GOALS)
    assert tie.goals_needed == {"Inter Miami": 1}


def test_suarez_offside_goal_at_67_changes_nothing_but_the_stats(seed_events):
    at_61, at_67 = tie_at(seed_events, "61"), tie_at(seed_events, "67")
    for field in ("aggregate", "away_goals", "advancing", "reason", "goals_needed"):
        assert getattr(at_67, field) == getattr(at_61, field)
    miami = at_67.legs[-1].stats["Inter Miami"]
    assert (miami.offsides, miami.disallowed_goals, miami.goals) == (1, 1, 2)


def test_messi_handball_penalty_at_84_sends_miami_through(seed_events):
    tie = tie_at(seed_events, "84")
    miami = tie.legs[-1].stats["Inter Miami"]
    assert (miami.penalties_awarded, miami.penalties_scored) == (1, 1)
    assert tie.legs[-1].goals[-1].kind == "penalty"
    assert night(tie) == {"Inter Miami": 3, "LAFC": 1}
    assert tie.aggregate == {"LAFC": 2, "Inter Miami": 3}
    assert (tie.advancing, tie.reason) == ("Inter Miami", Reason.AGGREGATE)
    assert tie.goals_needed == {"LAFC": 1}


def test_miami_win_the_tie_at_full_time_with_ustari_credited_two_saves(seed_events):
    tie = tie_at(seed_events)
    assert tie.status is Status.FINISHED
    assert tie.winner == "Inter Miami"
    assert tie.goals_needed == {}
    assert tie.legs[-1].keeper_saves == {"Oscar Ustari": 2}
    assert tie.legs[-1].stats["Inter Miami"].saves == 2
    assert tie.version == len(seed_events)


def test_under_uefa_2021_rules_the_tie_is_level_with_extra_time_pending_after_61(seed_events):
    uefa = [
        e.model_copy(update={"rules": PRESETS["uefa-2021"]}) if isinstance(e, MatchScheduled) else e
        for e in seed_events
    ]
    tie = tie_at(uefa, "61")
    assert tie.away_goals is None
    assert (tie.advancing, tie.reason) == (None, Reason.EXTRA_TIME)
    assert tie.goals_needed == {"LAFC": 1, "Inter Miami": 1}


def test_moments_tell_the_report_turning_points_in_order(seed_events):
    tie, told = new_tie(TIE), []
    for event in seed_events:
        after = fold([event], tie)
        told += [m for m in moments(tie, after, event) if m.match_id.endswith("leg2")]
        tie = after
    headlines = [m.text for m in told if m.kind in (MomentKind.GOAL, MomentKind.GOAL_DISALLOWED)]
    assert headlines == [
        "9' Long: 0-1, 0-2 on aggregate, LAFC through",
        "35' Messi: 1-1, 1-2 on aggregate, LAFC through",
        "61' Redondo: 2-1, 2-2 on aggregate, LAFC through on away goals",
        "67' Suárez (Inter Miami) goal ruled out for offside: "
        "2-1, 2-2 on aggregate, LAFC through on away goals",
        "84' Messi (pen.): 3-1, 3-2 on aggregate, Inter Miami through",
    ]
    flips = [(m.minute, m.team) for m in told if m.kind is MomentKind.ADVANCING_CHANGED]
    assert flips == [(61, "LAFC"), (84, "Inter Miami")]
    assert told[-1].kind is MomentKind.TIE_DECIDED
    assert told[-1].text == "Inter Miami go through, 3-2 on aggregate"
