"""produce.py, subscribe.py, replay.py and demo.py as a user runs them, on the embedded broker
with a real worker."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from streams.config import Settings
from streams.local.broker import EmbeddedBroker
from streams.local.processes import free_port, is_port_free
from streams.local.worker import WorkerProcess
from tests.e2e.conftest import ROOT, run_script
from tests.seed import SEED_TIE

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Broker + worker; yields the environment the scripts run with."""
    work = tmp_path_factory.mktemp("stack")
    with EmbeddedBroker(log_path=work / "tansu.log") as broker:
        worker = WorkerProcess(Settings(broker=broker.url, app_id="e2e"), work / "worker.log")
        worker.start()
        try:
            worker.wait_ready()
            yield {**os.environ, "KAFKA_BROKER": broker.url}
        finally:
            worker.stop()


@pytest.fixture(scope="module")
def fed(stack, seed_files):
    done = run_script("produce.py", *map(str, seed_files), env=stack)
    assert done.returncode == 0, done.stderr
    assert "sent 22 events" in done.stderr
    return stack


def subscribe_json(env, *args: str) -> list[dict]:
    done = run_script("subscribe.py", "--json", "--tie", SEED_TIE, *args, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def final_states(env) -> list[dict]:
    """Every update of the seed tie from the beginning until its final version (22) is in:
    under a backlog the worker may coalesce updates, so their number is not known."""
    for _ in range(30):
        states = subscribe_json(env, "--from-beginning", "--timeout", "3")
        if states and states[-1]["version"] == 22:
            return states
    raise AssertionError(f"the seed tie never reached version 22: {states[-1:]}")


def test_a_subscriber_sees_the_seed_tie_end_3_2_on_aggregate_to_inter_miami(fed):
    states = final_states(fed)
    final = states[-1]
    assert final["aggregate"] == {"LAFC": 2, "Inter Miami": 3}
    assert (final["winner"], final["status"], final["version"]) == ("Inter Miami", "finished", 22)
    assert [s["version"] for s in states] == sorted({s["version"] for s in states})


def test_a_late_subscriber_from_the_beginning_gets_the_same_latest_state(fed):
    first = final_states(fed)[-1]
    again = final_states(fed)[-1]
    assert again == first


def test_a_live_subscriber_sees_updates_as_they_are_produced(stack, tmp_path, seed_files):
    tie = "live-subscriber-tie"
    lines = [line.replace(SEED_TIE, tie) for line in seed_files[1].read_text().splitlines()]
    leg = tmp_path / "first-leg.jsonl"  # the second leg's events, as the first leg of a new tie
    leg.write_text("\n".join(lines).replace('"leg": 2', '"leg": 1') + "\n")
    follower = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/subscribe.py"), "--json", "--tie", tie,
         "--timeout", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=stack, cwd=ROOT,
    )  # fmt: skip
    try:
        time.sleep(3)  # let it position itself at the end of the topic
        produced = run_script("produce.py", str(leg), env=stack)
        assert produced.returncode == 0, produced.stderr
    finally:
        out, err = follower.communicate(timeout=120)
    assert follower.returncode == 0, err
    states = [json.loads(line) for line in out.splitlines()]
    versions = [state["version"] for state in states]
    assert versions == sorted(set(versions)) and versions[-1] == 15
    assert states[-1]["legs"][0]["score"] == {"Inter Miami": 3, "LAFC": 1}


@pytest.mark.parametrize(("minute", "aggregate", "advancing", "reason"), [
    ("61", {"LAFC": 2, "Inter Miami": 2}, "LAFC", "away_goals"),
    ("84", {"LAFC": 2, "Inter Miami": 3}, "Inter Miami", "aggregate"),
])  # fmt: skip
def test_replay_from_the_log_at_a_minute_equals_the_offline_replay(
    fed, seed_files, minute, aggregate, advancing, reason
):
    from_log = run_script("replay.py", "--tie", SEED_TIE, "--at", minute, "--json", env=fed)
    assert from_log.returncode == 0, from_log.stderr
    offline = run_script("replay.py", "--file", *map(str, seed_files), "--at", minute, "--json")
    state = json.loads(from_log.stdout)
    assert (state["aggregate"], state["advancing"], state["reason"]) == (
        aggregate,
        advancing,
        reason,
    )
    assert from_log.stdout == offline.stdout


def test_replay_all_re_folds_every_tie_in_the_log_the_seed_tie_as_offline(fed, seed_files):
    every = run_script("replay.py", "--all", "--json", env=fed)
    assert every.returncode in (0, 1), every.stderr  # 1: other tests' bad events, reported
    ties = [json.loads(line) for line in every.stdout.splitlines()]
    assert [tie["tie_id"] for tie in ties] == sorted({tie["tie_id"] for tie in ties})
    offline = run_script("replay.py", "--file", *map(str, seed_files), "--json")
    [seed] = [line for line in every.stdout.splitlines() if json.loads(line)["tie_id"] == SEED_TIE]
    assert seed + "\n" == offline.stdout
    cut = run_script("replay.py", "--all", "--at", "61", env=fed)
    assert cut.returncode == 2
    assert "--at cuts one tie's clock: use it with --tie or --file" in cut.stderr


def replay_json(env, speed: str) -> subprocess.CompletedProcess[str]:
    replayed = run_script(
        "replay.py", "--tie", SEED_TIE, "--speed", speed, "--json", env=env, timeout=180
    )
    assert replayed.returncode == 0, replayed.stderr
    assert f"streaming 22 events at speed {speed}" in replayed.stderr
    final = json.loads(replayed.stdout)
    assert (final["winner"], final["version"]) == ("Inter Miami", 22)
    return replayed


def test_a_tie_replayed_twice_is_streamed_paced_and_published_the_second_time_too(fed):
    replay_json(fed, "1200")
    follower = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/subscribe.py"), "--replay", "--json", "--tie",
         SEED_TIE, "--until-finished", "--timeout", "150"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=fed, cwd=ROOT,
    )  # fmt: skip
    arrivals: list[tuple[float, dict]] = []

    def read_updates() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            arrivals.append((time.monotonic(), json.loads(line)))

    reader = threading.Thread(target=read_updates)
    reader.start()
    try:
        assert follower.stderr is not None
        while "following" not in (said := follower.stderr.readline()):
            assert said, "the subscriber ended before following the replay topics"
        replay_json(fed, "1200")  # 180 match minutes in 9 s
    finally:
        follower.wait(timeout=150)
        reader.join(timeout=10)
    assert follower.returncode == 0, follower.stderr.read()
    versions = [state["version"] for _, state in arrivals]
    assert versions == sorted(set(versions)) and versions[-1] == 22
    assert len(versions) >= 10, versions  # one at a time, not the earlier run's end at once
    assert arrivals[-1][0] - arrivals[0][0] >= 4, "the updates came all at once, not paced"


def test_a_file_with_bad_lines_is_reported_and_its_good_lines_sent(stack, tmp_path, seed_files):
    tie = "bad-lines-tie"
    lines = [line.replace(SEED_TIE, tie) for line in seed_files[0].read_text().splitlines()]
    lines.insert(2, '{"type": "goal_scored", "event_id": "oops"}')
    lines[5] = lines[5].replace('"team": "LAFC"', '"team": 9')
    bad = tmp_path / "leg1.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    done = run_script("produce.py", str(bad), env=stack)
    assert done.returncode == 1
    assert f"{bad}:3: field 'tie_id'" in done.stderr
    assert f"{bad}:6: field 'team'" in done.stderr
    assert "sent 6 events, 2 bad line(s) skipped" in done.stderr
    strict_tie = "strict-tie"
    strict = tmp_path / "strict.jsonl"
    strict.write_text(bad.read_text().replace(tie, strict_tie))
    refused = run_script("produce.py", "--strict", str(strict), env=stack)
    assert refused.returncode == 1
    assert "nothing sent" in refused.stderr
    nothing = run_script("replay.py", "--tie", strict_tie, env=stack)
    assert nothing.returncode == 2
    assert "no events of tie 'strict-tie'" in nothing.stderr


def test_the_demo_without_web_runs_to_the_final_whistle_with_no_page_and_leaves_nothing_behind():
    port = free_port()
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/demo.py"), "--speed", "900", "--port", str(port),
         "--no-web"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "http://" not in done.stderr + done.stdout
    assert "live page" not in done.stderr
    assert "Winner: Inter Miami" in done.stdout
    assert "84' Messi (pen.): 3-1, 3-2 on aggregate, Inter Miami through" in done.stdout
    assert is_port_free(port)
    work = re.search(r"logs in (\S+)", done.stderr).group(1)
    survivors = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if work.encode() in (proc / "environ").read_bytes():
                    survivors.append(proc.name)
            except OSError:
                continue
    assert not survivors, f"processes left behind: {survivors}"
    assert tempfile.gettempdir() in work


def test_the_demo_with_json_prints_the_final_state_alone_and_the_match_on_standard_error():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/demo.py"), "--speed", "900", "--port",
         str(free_port()), "--no-web", "--json"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    final = json.loads(done.stdout)  # the whole of standard output: `| jq` reads it
    assert (final["winner"], final["aggregate"]) == ("Inter Miami", {"LAFC": 2, "Inter Miami": 3})
    assert "84' Messi (pen.): 3-1, 3-2 on aggregate, Inter Miami through" in done.stderr


def test_produce_streams_a_providers_real_match(stack):
    kloppy_files = pytest.importorskip("kloppy").__file__
    files = Path(kloppy_files).parent / "tests" / "files"
    done = run_script(
        "produce.py", "--provider", "statsbomb",
        "--event-data", str(files / "statsbomb_3788741_event.json"),
        "--lineup-data", str(files / "statsbomb_3788741_lineup.json"),
        "--tie-id", "euro-2020-turkey-italy", env=stack,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    replay = run_script("replay.py", "--tie", "euro-2020-turkey-italy", "--json", env=stack)
    state = json.loads(replay.stdout)
    assert state["legs"][0]["score"] == {"Turkey": 0, "Italy": 3}
    assert state["legs"][0]["goals"][0]["kind"] == "own_goal"


def test_ties_lists_the_seed_tie_finished_at_its_latest_version(fed):
    done = run_script("ties.py", env=fed)
    assert done.returncode == 0, done.stderr
    [seed] = [line for line in done.stdout.splitlines() if line.startswith(f"{SEED_TIE} ")]
    assert seed == (
        f"{SEED_TIE}  finished  v22  Inter Miami 3-1 LAFC (finished) | aggregate 3-2 | "
        "winner Inter Miami"
    )
    assert re.search(r"ties: \d+ tie\(s\) in tie-scores on kafka://", done.stderr)
    as_json = run_script("ties.py", "--json", "--status", "finished", env=fed)
    listed = {tie["tie_id"]: tie for tie in map(json.loads, as_json.stdout.splitlines())}
    assert listed[SEED_TIE]["version"] == 22
    assert listed[SEED_TIE]["aggregate"] == {"LAFC": 2, "Inter Miami": 3}


def test_a_subscriber_to_a_tie_with_no_updates_is_told_which_ties_exist(fed):
    done = run_script("subscribe.py", "--tie", "lafc-v-seattle", "--timeout", "12", env=fed)
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if "no update of tie" in line]
    assert warning, done.stderr
    assert warning[0].startswith("subscribe: no update of tie 'lafc-v-seattle' in 5s; known ties:")
    assert SEED_TIE in warning[0]


def test_dead_letters_shows_and_follows_what_the_worker_refused(stack, tmp_path, seed_files):
    tie = "dead-letter-tie"
    lines = [line.replace(SEED_TIE, tie) for line in seed_files[0].read_text().splitlines()]
    goal = json.loads(lines[4])  # LAFC's goal in leg 1, now by a team not in the match
    goal["team"] = "Seattle Sounders"
    refused = tmp_path / "refused.jsonl"
    refused.write_text("\n".join([*lines[:4], json.dumps(goal)]) + "\n")
    following = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/dead_letters.py"), "--follow", "--json",
         "--tie", tie],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=stack, cwd=ROOT,
    )  # fmt: skip
    produced = run_script("produce.py", str(refused), env=stack)
    assert produced.returncode == 0, produced.stderr
    assert following.stdout is not None
    letter = json.loads(following.stdout.readline())  # waits for the worker to refuse it
    following.send_signal(signal.SIGINT)
    _, err = following.communicate(timeout=60)
    assert following.returncode == 130
    assert err.strip().splitlines()[-1] == (
        "dead_letters: interrupted; 1 dead letter(s): rule_violation 1 shown"
    )
    assert (letter["reason"], letter["field"], letter["topic"]) == (
        "rule_violation",
        "team",
        "match-events",
    )
    assert json.loads(letter["original"])["team"] == "Seattle Sounders"
    shown = run_script("dead_letters.py", "--tie", tie, env=stack)
    assert shown.returncode == 0, shown.stderr
    assert re.search(
        r"rule_violation  field 'team'  from match-events\[\d+\]@\d+  key dead-letter-tie",
        shown.stdout,
    )
    assert "Seattle Sounders" in shown.stdout  # the error names the team
    assert "original (" in shown.stdout and '"event_id":"dead-letter-tie-leg1-004"' in shown.stdout
    assert "1 dead letter(s): rule_violation 1 in dead-letters" in shown.stderr
