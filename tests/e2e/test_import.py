"""`import.py PROVIDER`: kloppy's sample match files imported, then folded by replay.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.providers import flag
from tests.samples import SAMPLES, sample_files

kloppy = pytest.importorskip("kloppy")


def import_args(key: str) -> list[str]:
    """import.py's arguments for one sample: the provider, each file by its flag, the version."""
    sample = SAMPLES[key]
    args = [sample.provider]
    for option, path in sample_files(key).items():
        args += [flag(option), str(path)]
    if sample.data_version is not None:
        args += ["--data-version", sample.data_version]
    return args


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Each match imported once to a file (stdout kept, stderr kept): key -> (file, process)."""
    from tests.e2e.conftest import run_script

    folder = tmp_path_factory.mktemp("imported")
    done = {}
    for key in SAMPLES:
        path = folder / f"{key}.jsonl"
        done[key] = (path, run_script("import.py", *import_args(key), "-o", str(path)))
    return done


def started_periods(path: Path) -> list[str]:
    """The periods the imported file starts, in order (all of them folded: replayed() checks
    that replay.py reported nothing)."""
    events = [json.loads(line) for line in path.read_text().splitlines()]
    return [e["period"] for e in events if e["type"] == "period_started"]


def replayed(script, path: Path) -> dict:
    done = script("replay.py", "--file", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)["legs"][0]


@pytest.mark.parametrize("key", list(SAMPLES))
def test_every_imported_match_replays_without_a_single_error(script, imported, key):
    path, done = imported[key]
    assert done.returncode == 0, done.stderr
    match = replayed(script, path)
    assert match["status"] == "finished"


def test_turkey_italy_replays_as_nil_three_with_demirals_own_goal(script, imported):
    match = replayed(script, imported["turkey-italy"][0])
    assert match["score"] == {"Turkey": 0, "Italy": 3}
    assert [(g["team"], g["scorer"], g["kind"], g["minute"]) for g in match["goals"]] == [
        ("Italy", "Merih Demiral", "own_goal", 53),
        ("Italy", "Ciro Immobile", "open_play", 66),
        ("Italy", "Lorenzo Insigne", "open_play", 79),
    ]
    assert match["stats"]["Turkey"]["own_goals"] == 1
    assert match["sent_off"] == []


def test_barcelona_girona_replays_as_two_all_with_lenglet_sent_off(script, imported):
    match = replayed(script, imported["barcelona-girona"][0])
    assert match["score"] == {"Barcelona": 2, "Girona": 2}
    assert [g["scorer"] for g in match["goals"]] == [
        "Lionel Messi",
        "Cristhian Stuani",
        "Cristhian Stuani",
        "Gerard Piqué",
    ]
    assert [(d["player"], d["card"]) for d in match["sent_off"]] == [("Clément Lenglet", "red")]
    assert started_periods(imported["barcelona-girona"][0]) == ["first_half", "second_half"]
    assert (match["period"], match["status"]) == ("second_half", "finished")


def test_hamburg_sandhausen_replays_with_the_score_its_metadata_gives(script, imported):
    from kloppy import statsperform

    metadata = statsperform.load_event(**sample_files("hamburg-sandhausen")).metadata
    match = replayed(script, imported["hamburg-sandhausen"][0])
    assert match["score"] == {
        "Hamburger SV": metadata.score.home,
        "Sandhausen": metadata.score.away,
    }
    assert [(d["player"], d["card"]) for d in match["sent_off"]] == [
        ("M. Ritzmaier", "second_yellow")
    ]
    assert match["stats"]["Hamburger SV"]["penalties_scored"] == 1


def test_liverpool_leicester_and_juventus_sampdoria_replay_with_their_results(script, imported):
    assert replayed(script, imported["liverpool-leicester"][0])["score"] == {
        "Liverpool FC": 3,
        "Leicester City FC": 2,
    }
    assert replayed(script, imported["juventus-sampdoria"][0])["score"] == {
        "Juventus FC": 3,
        "UC Sampdoria": 0,
    }


def test_opta_periods_a_decided_knockout_cannot_play_are_dropped_and_reported(script, imported):
    """kloppy's edited Opta sample lists extra time and a shootout after a 2-1 (its events'
    score): the import keeps the match to its final whistle and says what it dropped."""
    path, done = imported["kobenhavn-nordsjaelland"]
    match = replayed(script, path)
    assert (match["period"], match["status"]) == ("second_half", "finished")
    assert started_periods(path) == ["first_half", "second_half"]
    assert "period_started: refused by the fold (InvalidPeriodTransition) 3" in done.stderr


def test_the_summary_on_stderr_counts_what_was_emitted_and_skipped(imported):
    stderr = imported["turkey-italy"][1].stderr
    assert "import: statsbomb: statsbomb-turkey-italy: Turkey 0-3 Italy (finished)" in stderr
    assert "goal_scored 3" in stderr
    assert "skipped" in stderr and "PASS 10" in stderr


def test_a_score_the_events_do_not_reach_is_reported(imported):
    stderr = imported["freiburg-gladbach"][1].stderr
    assert "the feed's final score is Sport-Club Freiburg 1-0 Borussia Mönchengladbach" in stderr


def test_importing_the_same_files_twice_gives_identical_bytes(script, imported):
    again = script("import.py", *import_args("hamburg-sandhausen"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.encode() == imported["hamburg-sandhausen"][0].read_bytes()


def test_a_file_that_cannot_be_parsed_is_named_with_exit_code_2(script, tmp_path):
    broken = tmp_path / "events.json"
    broken.write_text('{"events": [')
    done = script("import.py", "wyscout", "--event-data", str(broken))
    assert done.returncode == 2
    assert f"--event-data {broken}: not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_files_of_another_provider_are_refused_with_exit_code_2(script):
    files = sample_files("turkey-italy")
    done = script(
        "import.py",
        "statsbomb",
        "--event-data",
        str(files["lineup_data"]),
        "--lineup-data",
        str(files["event_data"]),
    )
    assert done.returncode == 2
    assert "statsbomb: cannot parse --event-data" in done.stderr
    assert "Traceback" not in done.stderr
