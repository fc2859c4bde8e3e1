"""Provider import: kloppy's shipped match files mapped to our events and folded by our fold."""

from __future__ import annotations

import sys
from datetime import timedelta
from functools import cache

import pytest

from streams.providers import ImportOptions, ImportResult, ProviderError, load_match
from tests.samples import SAMPLES, sample_files, sample_path
from tracker import fold, new_tie
from tracker.events import BodyPart, GoalKind, Period

kloppy = pytest.importorskip("kloppy")


def options_for(key: str, **overrides: object) -> tuple[str, ImportOptions]:
    sample = SAMPLES[key]
    paths = {name: str(path) for name, path in sample_files(key).items()}
    given = {**paths, "data_version": sample.data_version, **overrides}
    return sample.provider, ImportOptions(**given)  # type: ignore[arg-type]


@cache
def imported(key: str) -> ImportResult:
    return load_match(*options_for(key))


def goals(result: ImportResult) -> list[tuple[str, str | None, str]]:
    """(team credited, scorer, kind) of every goal, as the fold counted them."""
    assert result.tie is not None
    return [(goal.team, goal.scorer, goal.kind) for goal in result.tie.legs[0].goals]


def periods(result: ImportResult) -> list[Period]:
    return [e.period for e in result.events if e.type == "period_started"]


# -- real matches: the official result, scorers, cards and periods --------------------------


def test_turkey_italy_own_goal_by_demiral_counts_for_italy():
    result = imported("turkey-italy")
    assert result.score == (0, 3)
    assert goals(result) == [
        ("Italy", "Merih Demiral", GoalKind.OWN_GOAL),
        ("Italy", "Ciro Immobile", GoalKind.OPEN_PLAY),
        ("Italy", "Lorenzo Insigne", GoalKind.OPEN_PLAY),
    ]
    own_goal = next(e for e in result.events if e.type == "goal_scored")
    assert (own_goal.team, own_goal.clock) == ("Turkey", "53'")
    assert [e.clock for e in result.events if e.type == "goal_scored"] == ["53'", "66'", "79'"]
    assert result.tie.legs[0].stats["Turkey"].own_goals == 1


def test_turkey_italy_insigne_was_assisted_by_immobile():
    insigne = [e for e in imported("turkey-italy").events if e.type == "goal_scored"][-1]
    assert (insigne.scorer, insigne.assist, insigne.body_part) == (
        "Lorenzo Insigne",
        "Ciro Immobile",
        "right_foot",
    )


def test_barcelona_girona_ends_two_all_with_lenglet_sent_off():
    result = imported("barcelona-girona")
    match = result.tie.legs[0]
    assert result.score == (2, 2)
    assert [(g.team, g.scorer, g.minute) for g in match.goals] == [
        ("Barcelona", "Lionel Messi", 19),
        ("Girona", "Cristhian Stuani", 45),
        ("Girona", "Cristhian Stuani", 51),
        ("Barcelona", "Gerard Piqué", 63),
    ]
    assert [(d.team, d.player, d.card) for d in match.sent_off] == [
        ("Barcelona", "Clément Lenglet", "red")
    ]
    last = match.goals[-1]
    assert (last.kind, last.body_part) == (GoalKind.OPEN_PLAY, BodyPart.HEAD)  # a header
    assert periods(result) == [Period.FIRST_HALF, Period.SECOND_HALF]


def test_hamburg_sandhausen_matches_the_feeds_final_score():
    result = imported("hamburg-sandhausen")
    assert result.feed_score == (2, 1)
    assert result.score == result.feed_score
    assert goals(result) == [
        ("Hamburger SV", "D. Kinsombi", GoalKind.PENALTY),
        ("Sandhausen", "J. Bachmann", GoalKind.OPEN_PLAY),
        ("Hamburger SV", "M. Heyer", GoalKind.OPEN_PLAY),
    ]
    assert [e.clock for e in result.events if e.type == "goal_scored"] == ["74'", "87'", "90+6'"]


def test_hamburg_are_awarded_the_penalty_kinsombi_scores():
    awarded = [e for e in imported("hamburg-sandhausen").events if e.type == "penalty_awarded"]
    assert [(e.team, e.reason, e.won_by, e.conceded_by, e.clock) for e in awarded] == [
        ("Hamburger SV", "foul", "S. Kittel", "E. Zenga", "71'")
    ]


def test_ritzmaier_is_sent_off_for_a_second_yellow():
    match = imported("hamburg-sandhausen").tie.legs[0]
    assert [(d.player, d.card, d.minute) for d in match.sent_off] == [
        ("M. Ritzmaier", "second_yellow", 72)
    ]
    assert match.stats["Sandhausen"].yellow_cards == 5  # a team official's yellow included


def test_stats_perform_json_and_xml_give_the_same_events():
    assert (
        imported("hamburg-sandhausen-xml").to_jsonl() == imported("hamburg-sandhausen").to_jsonl()
    )
    assert imported("hamburg-sandhausen-xml").feed_score == (2, 1)


def test_liverpool_leicester_vardys_penalty_is_saved_by_mignolet():
    result = imported("liverpool-leicester")
    assert result.score == (3, 2)
    missed = [e for e in result.events if e.type == "penalty_missed"]
    assert [(e.team, e.taker, e.outcome, e.goalkeeper) for e in missed] == [
        ("Leicester City FC", "Jamie Vardy", "saved", "Simon Mignolet")
    ]


def test_wyscout_v2_offsides_come_from_the_raw_offside_events():
    offsides = [e for e in imported("liverpool-leicester").events if e.type == "offside_called"]
    assert len(offsides) == 5
    assert all(e.player for e in offsides)


def test_wyscout_v2_head_or_body_leaves_the_body_part_unknown():
    salah = next(e for e in imported("liverpool-leicester").events if e.type == "goal_scored")
    assert (salah.scorer, salah.body_part, salah.kind) == ("Mohamed Salah Ghaly", None, "open_play")


def test_juventus_sampdoria_cards_and_substitutions_come_from_the_raw_feed():
    result = imported("juventus-sampdoria")
    assert result.score == result.feed_score == (3, 0)
    cards = [(e.team, e.player) for e in result.events if e.type == "card_shown"]
    assert cards == [("UC Sampdoria", "Lorenzo Tonelli"), ("Juventus FC", "Gianluca Frabotta")]
    assert result.emitted["substitution_made"] == 9
    assert any("paired in the order listed" in note for note in result.notes)


def test_sportec_truncated_file_is_reported_against_the_feeds_score():
    result = imported("freiburg-gladbach")
    assert result.feed_score == (1, 0)
    assert result.score == (2, 0)  # kloppy's sample adds a test own goal to a 1-0 match
    assert any("the feed's final score is" in note for note in result.notes)
    disallowed = next(e for e in result.events if e.type == "goal_disallowed")
    assert (disallowed.team, disallowed.reason, disallowed.players) == (
        "Borussia Mönchengladbach",
        "offside",
        ("F. Neuhaus",),
    )


def test_opta_extra_time_and_shootout_schedule_a_knockout_whose_impossible_periods_are_named():
    """kloppy's edited Opta sample lists extra time and a shootout, but its events leave
    FC Nordsjælland 2-1 up after 90 minutes: a decided knockout plays neither, so the import
    drops those periods (and the kick in them) and says why."""
    result = imported("kobenhavn-nordsjaelland")
    assert result.events[0].rules == "single-match-knockout"
    assert periods(result) == [Period.FIRST_HALF, Period.SECOND_HALF]
    assert result.dropped == {
        "period_started: refused by the fold (InvalidPeriodTransition)": 3,
        "period_ended: refused by the fold (InvalidPeriodTransition)": 3,
        "shootout_kick_taken: refused by the fold (PeriodNotRunning)": 1,
    }
    assert any("its events give 1-2" in note for note in result.notes)


def test_rules_given_win_over_the_default():
    result = load_match(*options_for("turkey-italy", rules="single-match-knockout"))
    assert result.events[0].rules == "single-match-knockout"
    assert result.tie.winner == "Italy"


def test_a_card_the_feed_gives_no_colour_is_dropped_and_counted(monkeypatch):
    """kloppy's Opta reader leaves a card without its card qualifier uncoloured: a quirk of
    the feed, counted as dropped like an event the feed names no team for."""
    from streams.providers.feed import Feed

    named = Feed.cards
    monkeypatch.setattr(
        Feed, "cards", lambda self, event: [(None, t, p) for _, t, p in named(self, event)]
    )
    result = load_match(*options_for("barcelona-girona"))
    assert result.dropped == {"card_shown: the feed names no card": 9}
    assert result.emitted["card_shown"] == 0


def test_an_event_our_mapper_builds_wrong_stops_the_import_instead_of_being_dropped(monkeypatch):
    """An event our schema refuses is a bug in the mapper, not a quirk of the feed: it is
    raised (with a traceback in the scripts), never counted as dropped data."""
    from streams.providers import MappingBug
    from streams.providers.feed import Feed

    monkeypatch.setattr(Feed, "body_part", lambda self, shot: "elbow")
    with pytest.raises(MappingBug, match=r"invalid goal_scored event .*'body_part'"):
        load_match(*options_for("turkey-italy"))


def test_a_feeds_names_are_made_fit_for_our_events():
    """Names reach terminals and Kafka records: white space is evened out, control characters
    (here a C1 byte of mis-decoded text) left out, and a name cut at 100 characters."""
    from streams.providers.feed import printable_name

    assert printable_name(" Lionel\tAndrés \n Messi ") == "Lionel Andrés Messi"
    assert printable_name("Ã\x89der Milit\x00ão") == "Ãder Militão"
    assert printable_name("x" * 150) == "x" * 100
    assert printable_name("\x1b ") is None


def test_ids_the_schema_refuses_are_named_when_scheduling():
    with pytest.raises(
        ProviderError, match=r"cannot schedule Turkey v Italy: .*at most 128 characters"
    ):
        load_match(*options_for("turkey-italy", match_id="m" * 200))


# -- every import folds cleanly, with ids that are derived, never random ------------------


@pytest.mark.parametrize("key", list(SAMPLES))
def test_every_import_folds_without_errors_from_kickoff_to_the_final_whistle(key):
    result = imported(key)
    tie = fold(result.events, new_tie(result.events[0].tie_id))
    assert tie.legs[0].status == "finished"
    assert not result.dropped or key == "kobenhavn-nordsjaelland"  # an edited sample, above
    assert [e.seq for e in result.events] == list(range(len(result.events)))
    types = [e.type for e in result.events]
    assert types[0] == "match_scheduled" and types[-1] == "match_ended"


@pytest.mark.parametrize("key", ["turkey-italy", "hamburg-sandhausen", "kobenhavn-nordsjaelland"])
def test_importing_twice_gives_the_same_bytes(key):
    assert load_match(*options_for(key)).to_jsonl() == imported(key).to_jsonl()


@pytest.mark.parametrize("key", ["liverpool-leicester", "juventus-sampdoria"])
def test_a_wyscout_files_version_is_detected_when_not_given(key):
    detected = load_match(*options_for(key, data_version=None))
    assert detected.to_jsonl() == imported(key).to_jsonl()


def test_event_ids_are_the_match_id_and_seq():
    result = load_match(*options_for("turkey-italy", match_id="euro-2020-a1", tie_id="euro"))
    assert result.events[3].event_id == "euro-2020-a1-00003"
    assert {e.tie_id for e in result.events} == {"euro"}


def test_teams_are_named_as_kloppys_metadata_names_them():
    scheduled = imported("liverpool-leicester").events[0]
    assert (scheduled.home, scheduled.away) == ("Liverpool FC", "Leicester City FC")


def test_what_has_no_use_here_is_counted_as_skipped():
    skipped = imported("turkey-italy").skipped
    assert skipped["PASS"] > 1000
    assert skipped["CARRY"] > 0


# -- the clock as a fan reads it ------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "elapsed", "clock"),
    [
        (1, timedelta(seconds=30), "1'"),
        (1, timedelta(minutes=44, seconds=59), "45'"),
        (1, timedelta(minutes=45, seconds=30), "45+1'"),
        (2, timedelta(0), "46'"),
        (2, timedelta(minutes=50, seconds=21), "90+6'"),
        (3, timedelta(minutes=2), "93'"),
        (4, timedelta(minutes=16), "120+2'"),
    ],
)
def test_the_clock_is_the_minute_the_event_happened_in(period, elapsed, clock):
    from streams.providers.clock import clock_at
    from tracker.events import clock_text

    at = clock_at(period, elapsed)
    assert at is not None
    assert clock_text(at.minute, at.added_minute) == clock


def test_a_whistle_on_the_minute_ends_that_minute():
    from streams.providers.clock import clock_at

    assert clock_at(1, timedelta(minutes=45), is_whistle=True).minute == 45
    assert clock_at(1, timedelta(minutes=-1)) is None


# -- errors name the file and say what is wrong ---------------------------------------------


def test_an_unknown_provider_lists_the_known_ones():
    with pytest.raises(ProviderError, match="unknown provider 'hawkeye'; known: statsbomb"):
        load_match("hawkeye", ImportOptions())


def test_a_missing_file_flag_is_named():
    with pytest.raises(ProviderError, match="statsbomb needs --lineup-data"):
        load_match("statsbomb", ImportOptions(event_data=str(sample_path("statsbomb_event.json"))))


def test_a_file_flag_the_provider_does_not_take_is_refused():
    with pytest.raises(ProviderError, match="wyscout does not take --f7-data"):
        load_match("wyscout", ImportOptions(event_data="x.json", f7_data="f7.xml"))


def test_a_file_that_is_not_json_is_named(tmp_path):
    bad = tmp_path / "events.json"
    bad.write_text("not json")
    lineup = sample_path("statsbomb_lineup.json")
    options = ImportOptions(event_data=str(bad), lineup_data=str(lineup))
    with pytest.raises(ProviderError, match=rf"--event-data {bad}: not valid JSON"):
        load_match("statsbomb", options)


def test_a_file_of_another_kind_says_what_kloppy_missed():
    provider, options = options_for("turkey-italy")
    swapped = ImportOptions(event_data=options.lineup_data, lineup_data=options.event_data)
    with pytest.raises(ProviderError, match=r"cannot parse --event-data .*missing field"):
        load_match(provider, swapped)


def test_a_second_leg_needs_two_leg_rules():
    with pytest.raises(ProviderError, match="--leg 2 needs --rules with 2 legs"):
        load_match(*options_for("turkey-italy", leg=2))


def test_a_second_leg_under_two_leg_rules_is_scheduled_as_leg_2():
    result = load_match(*options_for("turkey-italy", leg=2, rules="uefa-2021"))
    assert (result.events[0].leg, result.events[0].rules) == (2, "uefa-2021")


def test_without_kloppy_the_message_says_how_to_install_it(monkeypatch):
    provider, options = options_for("turkey-italy")
    monkeypatch.setitem(sys.modules, "kloppy", None)
    with pytest.raises(ProviderError, match=r"kloppy, which is not installed: pip install"):
        load_match(provider, options)
