"""Every script fails the same clear way, as a user meets it: one line saying what happened and
what to do, the documented exit code, never a traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.environment import _wanted_stamp
from streams.clients.feed import clock_order
from streams.clients.matchfiles import read_events
from streams.local.broker import EmbeddedBroker
from streams.local.processes import free_port
from tests.e2e.conftest import ROOT, run_script, run_tracker
from tests.seed import SEED_FILES, SEED_TIE

NOISE = ("Traceback", "Unclosed", "Unable connect", "NodeNotReadyError", "KafkaConnectionError")


def assert_quiet(stderr: str) -> None:
    for noise in NOISE:
        assert noise not in stderr, stderr


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("produce.py", [str(SEED_FILES[0].relative_to(ROOT))]),
        ("subscribe.py", ["--timeout", "30"]),
        ("replay.py", ["--tie", SEED_TIE]),
        ("ties.py", []),
        ("dead_letters.py", ["--follow"]),
        ("bench.py", ["--quick"]),
    ],
)
def test_with_no_broker_a_script_says_so_in_one_line_naming_it_and_how_to_start_one(script, args):
    url = f"kafka://127.0.0.1:{free_port()}"
    command = script.removesuffix(".py").replace("_", "-")
    for done in (
        run_script(script, *args, "--broker", url, timeout=60),
        run_tracker(command, *args, "--broker", url, timeout=60),
    ):
        assert done.returncode == 2
        [line] = done.stderr.splitlines()
        assert line.startswith(f"{script.removesuffix('.py')}: no Kafka broker answers at {url} (")
        assert "python -m streams.broker" in line
        assert "python3 scripts/demo.py" in line
        assert_quiet(done.stderr)


def test_a_web_server_where_the_broker_should_be_is_named_in_seconds_not_after_40(tmp_path):
    (tmp_path / "index.html").write_text("not a broker")
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"kafka://127.0.0.1:{port}"
        for _ in range(50):  # until it listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        done = run_script("ties.py", "--broker", url, timeout=20)  # the client's own wait: 40 s
    finally:
        web.terminate()
        web.wait(timeout=10)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert f"no Kafka broker answers at {url} (something listens at 127.0.0.1:{port} but" in line


@pytest.mark.parametrize(
    ("script", "args", "named"),
    [
        ("subscribe.py", ["--tie", ""], "argument --tie: not a tie id: ''"),
        ("dead_letters.py", ["--tie", "a\tb"], "it has a control character"),
        ("replay.py", ["--tie", "x" * 129], "not a tie id"),
        ("subscribe.py", ["--count", "0"], "argument --count: 0 is not 1 or above"),
    ],
)
def test_an_impossible_tie_id_or_count_is_a_usage_error_before_any_broker_is_asked(
    script, args, named
):
    done = run_script(script, *args, "--broker", f"kafka://127.0.0.1:{free_port()}")
    assert done.returncode == 2
    assert named in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("script", ["produce.py", "subscribe.py", "ties.py", "dead_letters.py"])
def test_a_broker_port_out_of_range_is_named_in_one_line(script):
    url = "kafka://127.0.0.1:70000"
    args = [str(SEED_FILES[0].relative_to(ROOT))] if script == "produce.py" else []
    done = run_script(script, *args, "--broker", url, timeout=60)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"{script.removesuffix('.py')}: port 70000 is not 1-65535 in {url!r}")
    assert_quiet(done.stderr)


def test_a_demo_flag_out_of_range_stops_it_before_it_makes_a_folder_or_starts_anything(
    tmp_path,
):
    # A temporary folder of its own: demos in other tests make and remove theirs meanwhile.
    done = run_script(
        "demo.py", "--port", "70000", timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)}
    )
    assert done.returncode == 2
    assert "argument --port: 70000 is not a port (1-65535)" in done.stderr
    assert "logs kept" not in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert_quiet(done.stderr)


def base_python() -> str:
    """The Python the project venv was made from: it has none of the project's packages."""
    python = getattr(sys, "_base_executable", "") or ""
    if not python or Path(python).resolve() == Path(sys.executable).resolve():
        pytest.skip("not running inside a virtualenv")
    has_kafka = subprocess.run([python, "-c", "import aiokafka"], capture_output=True)
    if has_kafka.returncode == 0:
        pytest.skip(f"{python} has the project's packages: it cannot show the re-exec")
    if (Path(sys.prefix) / ".tracker-installed").read_text() != _wanted_stamp():
        pytest.skip("this venv is not the installed project venv (run scripts/test.py)")
    return python


@pytest.mark.parametrize(
    "script",
    [
        "produce.py", "subscribe.py", "replay.py", "import.py", "bench.py", "demo.py",
        "test.py", "schema.py", "ties.py", "dead_letters.py",
    ],
)  # fmt: skip
def test_every_script_helps_with_examples_from_a_plain_python3(script):
    done = subprocess.run(
        [base_python(), str(ROOT / "scripts" / script), "--help"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "TRACKER_VENV": sys.prefix},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "xample" in done.stdout  # Example: or Examples:
    assert f"python3 scripts/{script}" in done.stdout or script == "schema.py"
    assert_quiet(done.stderr)


@pytest.mark.parametrize("module", ["streams", "streams.broker"])
def test_python_dash_m_from_a_plain_python3_runs_in_the_project_venv(module, seed_files):
    args = ["replay", "--file", *map(str, seed_files), "--json"] if module == "streams" else []
    done = subprocess.run(
        [base_python(), "-m", module, *(args or ["--help"])],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "TRACKER_VENV": sys.prefix},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    if module == "streams":
        assert json.loads(done.stdout)["winner"] == "Inter Miami"
    else:
        assert done.stdout.startswith("usage: python -m streams.broker")
    assert_quiet(done.stderr)


def test_the_broker_helps_with_examples():
    done = subprocess.run(
        [sys.executable, "-m", "streams.broker", "--help"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0
    assert "Examples:" in done.stdout
    assert "python -m streams.broker --port 19092" in done.stdout


def test_test_py_help_describes_test_py_not_pytest():
    done = run_script("test.py", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("Run every check the project has")
    assert "ruff" in done.stdout and "mypy" in done.stdout


def test_a_latin_1_match_file_is_named_as_not_utf8_with_its_line(tmp_path, seed_files):
    latin1 = tmp_path / "leg2-latin1.jsonl"
    latin1.write_bytes(seed_files[1].read_text().encode("latin-1"))
    for script, args in (("produce.py", ["--strict"]), ("replay.py", [])):
        files = [str(latin1)] if script == "produce.py" else ["--file", str(latin1)]
        done = run_script(script, *files, *args, "--broker", "kafka://127.0.0.1:1")
        assert done.returncode == 1, done.stderr
        [first, *_] = [line for line in done.stderr.splitlines() if "UTF-8" in line]
        assert f"{latin1}:8: not UTF-8 text (byte 0xe1 at column" in first  # Suárez
        assert_quiet(done.stderr)


def test_an_empty_match_file_is_named_as_empty(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    produced = run_script("produce.py", str(empty), "--broker", "kafka://127.0.0.1:1")
    assert produced.returncode == 1
    assert f"produce: skipped {empty}: empty file: no events in it" in produced.stderr
    assert "nothing" in produced.stderr.splitlines()[-1] or "no events" in produced.stderr
    replayed = run_script("replay.py", "--file", str(empty))
    assert replayed.returncode == 1
    assert f"{empty}: empty file: no events in it" in replayed.stderr
    assert replayed.stderr.splitlines()[-1] == f"replay: no events to replay in {empty}"
    assert_quiet(produced.stderr + replayed.stderr)


def test_a_match_file_with_no_valid_event_ends_saying_there_was_nothing_to_replay(tmp_path):
    garbage = tmp_path / "not-events.jsonl"
    garbage.write_text('{"a": 1}\n')
    done = run_script("replay.py", "--file", str(garbage))
    assert done.returncode == 1
    warning, last = done.stderr.splitlines()
    assert warning.startswith(f"replay: warning: skipped {garbage}:1: field 'type'")
    assert last == f"replay: no events to replay in {garbage}"
    assert done.stdout == ""
    assert_quiet(done.stderr)


def test_a_second_broker_on_a_taken_port_refuses_to_start():
    with EmbeddedBroker() as first:
        done = subprocess.run(
            [sys.executable, "-m", "streams.broker", "--port", str(first.port)],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
        assert first.running()
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line == (
        f"broker: port {first.port} on 127.0.0.1 is already in use (another broker?); stop it, "
        f"use it with --broker kafka://127.0.0.1:{first.port}, or pick another port with --port"
    )


def start_script(script: str, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / script), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )  # fmt: skip


def read_until(process: subprocess.Popen[str], text: str) -> list[str]:
    """stderr lines up to the first containing ``text`` (the script said it got there)."""
    assert process.stderr is not None
    lines = []
    while not lines or text not in lines[-1]:
        line = process.stderr.readline()
        assert line, f"the script ended before saying {text!r}: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def feed_position(seed_files: list[Path], acknowledged: int) -> str:
    """``FILE:LINE`` of the event after the first ``acknowledged`` ones in feed order."""
    events, _ = read_events(str(path.relative_to(ROOT)) for path in seed_files)
    item = clock_order(events)[acknowledged].event
    return f"{item.file}:{item.line}"


RESUME = re.compile(r"(\d+) of 22 events acknowledged; to carry on, run again with --resume (\S+)$")


@pytest.mark.broker
def test_produce_stops_soon_after_its_broker_dies_and_says_where_to_resume(seed_files):
    with EmbeddedBroker() as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url}
        files = [str(path.relative_to(ROOT)) for path in seed_files]
        producing = start_script("produce.py", *files, "--speed", "200", env=env)
        read_until(producing, "sent 2/22")  # kick-off acknowledged, 45 match minutes to wait
        broker.process.kill()  # type: ignore[union-attr]
        _, err = producing.communicate(timeout=60)  # a hang guard, not a measure
    assert producing.returncode == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"produce: the broker at {broker.url} stopped answering (")
    found = RESUME.search(last)
    assert found, last
    assert found.group(2) == feed_position(seed_files, int(found.group(1)))
    assert len(err.splitlines()) < 5
    assert_quiet(err)


@pytest.mark.broker
def test_ctrl_c_in_a_paced_produce_says_what_was_acknowledged_and_resume_carries_on(seed_files):
    files = [str(path.relative_to(ROOT)) for path in seed_files]
    with EmbeddedBroker() as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url}
        producing = start_script("produce.py", *files, "--speed", "200", env=env)
        read_until(producing, "sent 2/22")
        producing.send_signal(signal.SIGINT)
        _, err = producing.communicate(timeout=60)
        assert producing.returncode == 130
        last = err.strip().splitlines()[-1]
        assert last.startswith("produce: interrupted; ")
        found = RESUME.search(last)
        assert found, last
        assert found.group(2) == feed_position(seed_files, int(found.group(1)))
        assert_quiet(err)
        resumed = run_script("produce.py", *files, "--resume", found.group(2), env=env)
        assert resumed.returncode == 0, resumed.stderr
        left = 22 - int(found.group(1))
        assert f"sending {left} events to match-events" in resumed.stderr, (last, resumed.stderr)
        replay = run_script("replay.py", "--tie", SEED_TIE, env=env)
    assert replay.returncode == 0, replay.stderr
    assert "Winner: Inter Miami" in replay.stdout


@pytest.mark.broker
def test_ctrl_c_in_a_paced_replay_says_how_much_was_re_streamed(seed_files):
    with EmbeddedBroker() as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url, "TRACKER_PARTITIONS": "2"}
        fed = run_script("produce.py", *map(str, seed_files), env=env)
        assert fed.returncode == 0, fed.stderr
        replaying = start_script("replay.py", "--tie", SEED_TIE, "--speed", "20", env=env)
        read_until(replaying, "streaming 22 events")
        replaying.send_signal(signal.SIGINT)
        _, err = replaying.communicate(timeout=90)
    assert replaying.returncode == 130, err
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(r"replay: interrupted; \d+ of 22 events re-streamed into "
                        r"replay\.match-events", last), last  # fmt: skip
    assert_quiet(err)


@pytest.mark.broker
@pytest.mark.parametrize(
    ("script", "args"),
    [("ties.py", []), ("replay.py", ["--all"]), ("produce.py", [str(SEED_FILES[0])])],
)
def test_ctrl_c_while_a_script_starts_up_ends_it_in_one_line(script, args):
    """Ctrl-C 0.3 s in: the script is still importing (about a second), before its command
    handles Ctrl-C itself; or, on a fast machine, already in it. A line either way."""
    with EmbeddedBroker() as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url}
        starting = start_script(script, *args, env=env)
        time.sleep(0.3)
        starting.send_signal(signal.SIGINT)
        _, err = starting.communicate(timeout=60)
    assert starting.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith(f"{script.removesuffix('.py')}: interrupted")
    assert_quiet(err)


def test_ctrl_c_in_a_waiting_subscriber_says_what_it_showed():
    with EmbeddedBroker() as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url}
        following = start_script("subscribe.py", "--moments", env=env)
        read_until(following, "waiting for tie-scores, moments")
        following.send_signal(signal.SIGINT)
        _, err = following.communicate(timeout=60)
    assert following.returncode == 130
    assert err.strip().splitlines()[-1] == (
        "subscribe: interrupted; 0 update(s) and 0 moment(s) shown"
    )
    assert_quiet(err)


@pytest.mark.broker
def test_a_subscriber_waiting_for_the_replay_topics_is_told_to_replay_a_tie():
    with EmbeddedBroker() as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url}
        done = run_script("subscribe.py", "--replay", "--timeout", "3", env=env)
    assert done.returncode == 0, done.stderr
    assert (
        f"subscribe: waiting for replay.tie-scores on {broker.url}: no replay has created it "
        "yet (re-stream a tie: python3 scripts/replay.py --tie ID --speed 60)"
    ) in done.stderr, done.stderr
    assert "python -m streams worker" not in done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("TRACKER_PARTITIONS", "eight", "valid integer"),
        ("TRACKER_FETCH_WAIT_MS", "0", "greater than or equal to 1"),
        ("TRACKER_SESSION_TIMEOUT", "-1", "greater than or equal to 1"),
        ("TRACKER_WEB_PORT", "70000", "less than or equal to 65535"),
    ],
)
def test_a_worker_given_a_bad_setting_names_the_variable_in_one_line(variable, value, why):
    done = run_tracker("worker", timeout=60, env={**os.environ, variable: value})
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"tracker worker: {variable}={value!r}: ")
    assert why in line and '"Worker settings"' in line
    assert_quiet(done.stderr)


def test_a_worker_with_no_broker_says_so_in_one_line_instead_of_a_traceback():
    url = f"kafka://127.0.0.1:{free_port()}"
    done = run_tracker("worker", timeout=60, env={**os.environ, "KAFKA_BROKER": url})
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"tracker worker: no Kafka broker answers at {url} (")
    assert "python -m streams.broker" in line
    assert line.endswith("or point KAFKA_BROKER at yours")  # it has no --broker flag
    assert_quiet(done.stderr)


def test_a_worker_whose_web_port_is_taken_says_so_in_one_line(broker_url):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "KAFKA_BROKER": broker_url, "TRACKER_WEB_PORT": str(port)}
        done = run_tracker("worker", timeout=60, env=env)
        also = run_tracker("worker", "--web-port", str(port), timeout=60, env=os.environ | {
            "KAFKA_BROKER": broker_url})  # fmt: skip
    for failed in (done, also):
        assert failed.returncode == 2
        [line] = failed.stderr.splitlines()
        assert line == (
            f"tracker worker: port {port} on 127.0.0.1, the worker's web port, is taken "
            "(another worker?): give this one another, e.g. TRACKER_WEB_PORT=6067 or "
            "--web-port 6067"
        )
        assert_quiet(failed.stderr)
