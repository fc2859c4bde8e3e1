"""`tracker COMMAND` and `python3 scripts/COMMAND.py` are one command: the same flags and the
same help, and each `tracker` command works as a user runs it. (The scripts' real uses are in
the other e2e tests; the tools used for real only here are the worker, the broker and the
web service.)"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from streams.commands import COMMANDS
from streams.local.processes import free_port
from tests.e2e.conftest import ROOT, TRACKER, run_script, run_tracker
from tests.streams.harness import Namespace

#: The tracker commands that have a script of the same name.
SCRIPTS = {
    name: script
    for name in COMMANDS
    if (ROOT / "scripts" / (script := f"{name.replace('-', '_')}.py")).exists()
}


def flags(help_text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text))


def test_tracker_alone_lists_every_command():
    done = run_tracker("--help")
    assert done.returncode == 0
    for name in COMMANDS:
        assert re.search(rf"^  {name} +\S", done.stdout, re.M), done.stdout


def test_an_unknown_command_is_a_usage_error_naming_it():
    done = run_tracker("feed")
    assert done.returncode == 2
    assert done.stderr.startswith("tracker: unknown command 'feed'")


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"worker"}))
def test_every_tracker_command_helps_with_its_flags_and_examples(command):
    done = run_tracker(command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: tracker {command} ")
    assert "xample" in done.stdout  # Example: or Examples:
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", sorted(SCRIPTS))
def test_a_script_takes_the_same_flags_as_its_tracker_command(command):
    script = run_script(SCRIPTS[command], "--help")
    tracker = run_tracker(command, "--help")
    assert script.returncode == tracker.returncode == 0, script.stderr + tracker.stderr
    assert flags(script.stdout) == flags(tracker.stdout)
    assert script.stdout.startswith(f"usage: {SCRIPTS[command]} ")


def test_tracker_worker_is_faust_s_worker_command():
    done = run_tracker("worker", "--help")
    assert done.returncode == 0, done.stderr
    assert "python -m streams worker" in done.stdout
    assert "--web-port" in done.stdout and "--loglevel" in done.stdout  # Faust's own flags


def test_tracker_replay_folds_the_seed_files_offline(seed_files):
    done = run_tracker("replay", "--file", *map(str, seed_files), "--at", "61", "--json")
    assert done.returncode == 0, done.stderr
    tie = json.loads(done.stdout)
    assert (tie["advancing"], tie["reason"]) == ("LAFC", "away_goals")


def started(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env=env, start_new_session=True,
    )  # fmt: skip


def read_until(process: subprocess.Popen[str], text: str) -> list[str]:
    """Output lines up to the first containing ``text``."""
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or text not in lines[-1]:
        line = process.stdout.readline()
        assert line, f"it ended before saying {text!r}: {lines[-30:]}"
        lines.append(line.rstrip("\n"))
    return lines


def stopped(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, as an operator stops it; its exit code and the rest of its output."""
    os.killpg(process.pid, signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    return process.returncode, out


@pytest.mark.broker
def test_tracker_broker_serves_until_sigterm():
    port = free_port()
    broker = started([str(TRACKER), "broker", "--port", str(port)])
    try:
        [line] = read_until(broker, "Ctrl-C stops")
        assert line.startswith(f"broker: Tansu on kafka://127.0.0.1:{port} (pid ")
    finally:
        code, out = stopped(broker)
    assert code == 0, out
    assert out.strip().endswith("broker: stopped")


def broker_on_a_terminal(hangup: signal.Handlers) -> tuple[subprocess.Popen[str], Path]:
    """`tracker broker` started with SIGHUP as given (a terminal's shell leaves it at its
    default; nohup ignores it, and a child inherits an ignored signal), and its log folder."""
    broker = subprocess.Popen(
        [str(TRACKER), "broker", "--port", str(free_port())],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGHUP, hangup),
    )  # fmt: skip
    try:
        [line] = read_until(broker, "Ctrl-C stops")
    except BaseException:
        broker.kill()
        raise
    return broker, Path(re.search(r"log (\S+)/broker\.log,", line).group(1))


@pytest.mark.broker
def test_tracker_broker_stops_cleanly_when_its_terminal_closes():
    broker, log_dir = broker_on_a_terminal(signal.SIG_DFL)
    assert log_dir.is_dir()
    os.killpg(broker.pid, signal.SIGHUP)  # as a closed terminal sends it
    try:
        out, _ = broker.communicate(timeout=60)
    finally:
        broker.kill()
    assert broker.returncode == 0, out
    assert out.strip().endswith("broker: stopped")
    assert not log_dir.exists()


@pytest.mark.broker
def test_tracker_broker_started_under_nohup_outlives_its_terminal():
    broker, log_dir = broker_on_a_terminal(signal.SIG_IGN)
    try:
        os.killpg(broker.pid, signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            broker.wait(timeout=3)
    finally:
        code, out = stopped(broker)
    assert code == 0, out
    assert not log_dir.exists()


@pytest.mark.broker
def test_tracker_worker_joins_its_group_and_stops_on_sigterm(broker_url, tmp_path):
    settings = Namespace(broker_url).settings().replace(datadir=str(tmp_path / "data"))
    env = {**os.environ, **settings.environment()}
    web_port = free_port()
    command = [str(TRACKER), "worker", "-l", "info", "--web-port", str(web_port)]
    worker = started(command, env)
    try:
        read_until(worker, "Worker]: Ready")
        assert listening_on(web_port) == ["127.0.0.1"]  # Faust's default: every interface
    finally:
        code, out = stopped(worker)
    assert code == 0, out[-3000:]


def listening_on(port: int) -> list[str]:
    """The addresses a TCP port is listened on (IPv6 ones as ``v6``), from /proc."""
    found = []
    for table, family in (("tcp", "v4"), ("tcp6", "v6")):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                is_v4 = family == "v4"
                found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]) if is_v4 else "v6")
    return found


@pytest.mark.broker
def test_tracker_web_answers_its_health_check_and_stops_on_sigterm(broker_url):
    command = [str(TRACKER), "web", "--port", "0", "--broker", broker_url]
    web = started([*command, "--topic-prefix", f"{Namespace(broker_url).name}."])
    try:
        [*_, ready] = read_until(web, "web: serving on ")
        url = ready.split("web: serving on ", 1)[1].split()[0]
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
            assert response.status == 200
            assert b"feed_restarts_total" in response.read()
    finally:
        code, out = stopped(web)
    assert code == 0, out[-3000:]


def test_python_dash_m_streams_runs_the_same_commands(seed_files):
    done = subprocess.run(
        [sys.executable, "-m", "streams", "replay", "--file", *map(str, seed_files), "--json"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["winner"] == "Inter Miami"


def test_schema_py_checks_the_committed_schema_is_current():
    done = run_script("schema.py", "--check")
    assert done.returncode == 0, done.stderr


def test_test_py_runs_every_check_then_the_tests_it_is_given():
    done = run_script("test.py", "tests/unit/test_codecs.py", "-q", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    steps = [line for line in done.stdout.splitlines() if line.startswith("+ ")]
    assert steps == [
        "+ ruff check .",
        "+ ruff format --check .",
        "+ mypy",
        "+ pytest tests/unit/test_codecs.py -q",
    ]
