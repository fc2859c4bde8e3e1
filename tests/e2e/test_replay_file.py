"""`replay.py --file`: the offline replay of match files, as a user runs it."""

from __future__ import annotations

import json


def test_replay_at_61_shows_lafc_through_on_away_goals(script, seed_files):
    done = script("replay.py", "--file", *map(str, seed_files), "--at", "61", "--json")
    assert done.returncode == 0, done.stderr
    tie = json.loads(done.stdout)
    assert tie["aggregate"] == {"LAFC": 2, "Inter Miami": 2}
    assert (tie["advancing"], tie["reason"]) == ("LAFC", "away_goals")
    assert tie["goals_needed"] == {"Inter Miami": 1}


def test_replay_to_the_end_reads_as_a_summary(script, seed_files):
    done = script("replay.py", "--file", *map(str, seed_files))
    assert done.returncode == 0, done.stderr
    assert "Leg 2  Inter Miami 3-1 LAFC" in done.stdout
    assert "Winner: Inter Miami" in done.stdout
    assert "saves: Ustari 2" in done.stdout


def test_replay_names_a_leg_and_stoppage_time(script, seed_files):
    leg1 = json.loads(
        script("replay.py", "--file", *map(str, seed_files), "--at", "1:30", "--json").stdout
    )
    assert [leg["leg"] for leg in leg1["legs"]] == [1]
    end = json.loads(
        script("replay.py", "--file", *map(str, seed_files), "--at", "90+3", "--json").stdout
    )
    assert end["winner"] == "Inter Miami"


def test_a_bad_line_is_reported_with_file_line_and_field(script, seed_files, tmp_path):
    lines = seed_files[1].read_text().splitlines()
    lines[2] = lines[2].replace('"team": "LAFC"', '"team": 7')
    bad = tmp_path / "leg2.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    done = script("replay.py", "--file", str(seed_files[0]), str(bad), "--json")
    assert done.returncode == 1
    assert f"{bad}:3: field 'team'" in done.stderr
    assert json.loads(done.stdout)["aggregate"] == {"LAFC": 1, "Inter Miami": 3}


def test_a_bad_minute_is_a_clear_usage_error(script, seed_files):
    done = script("replay.py", "--file", str(seed_files[0]), "--at", "sixty")
    assert done.returncode == 2
    assert "invalid match clock 'sixty'" in done.stderr


def test_a_minute_the_match_clock_cannot_reach_is_refused_in_one_line(script, seed_files):
    for late, why in (("200", "goes up to 150'"), ("90+40", "added time goes up to +30")):
        done = script("replay.py", "--file", *map(str, seed_files), "--at", late)
        assert done.returncode == 2
        assert done.stdout == ""
        [line] = done.stderr.splitlines()
        assert line.startswith(f"replay: invalid match clock {late!r}: ")
        assert why in line


def test_the_leg_cut_at_a_minute_says_where_it_was_cut(script, seed_files):
    at_50 = script("replay.py", "--file", *map(str, seed_files), "--at", "50")
    assert "Leg 2  Inter Miami 1-1 LAFC  [at 50', second half]" in at_50.stdout
    assert "Leg 1  LAFC 1-0 Inter Miami  [finished]" in at_50.stdout
    in_leg_1 = script("replay.py", "--file", *map(str, seed_files), "--at", "1:30")
    assert "Leg 1  LAFC 0-0 Inter Miami  [at 30', first half]" in in_leg_1.stdout


def test_an_event_the_fold_refuses_is_a_warning_naming_its_file_line_and_reason(
    script, seed_files, tmp_path
):
    lines = seed_files[1].read_text().splitlines()
    lines[2] = lines[2].replace('"team": "LAFC"', '"team": "Seattle Sounders"')  # Long's goal
    leg2 = tmp_path / "leg2.jsonl"
    leg2.write_text("\n".join(lines) + "\n")
    done = script("replay.py", "--file", str(seed_files[0]), str(leg2), "--json")
    assert done.returncode == 1
    [warning] = done.stderr.splitlines()
    assert warning.startswith(f"replay: warning: skipped {leg2}:3: field 'team': refused by")
    assert "Seattle Sounders" in warning
    assert json.loads(done.stdout)["aggregate"] == {"LAFC": 1, "Inter Miami": 3}


def test_the_same_event_id_with_other_content_is_reported_not_dropped(script, seed_files, tmp_path):
    lines = seed_files[1].read_text().splitlines()
    again = lines[2].replace('"scorer": "Aaron Long"', '"scorer": "Denis Bouanga"')
    assert again != lines[2]
    leg2 = tmp_path / "leg2.jsonl"
    leg2.write_text("\n".join([*lines, again]) + "\n")
    done = script("replay.py", "--file", str(seed_files[0]), str(leg2))
    assert done.returncode == 1
    assert f"replay: warning: skipped {leg2}:{len(lines) + 1}: " in done.stderr
    assert "ConflictingDuplicate" in done.stderr
    assert "9' Aaron Long [LAFC]" in done.stdout
