"""How scripts end: one line, never an empty reason, the documented exit codes."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess

import pytest

from streams.clients.matchfiles import LineError
from streams.codecs import DEAD_LETTER_REASONS
from streams.commands.dead_letters import build_parser as build_dead_letters_parser
from streams.commands.demo import MARKER, remove_abandoned
from streams.commands.demo import build_parser as build_demo_parser
from streams.commands.endings import (
    FAILED,
    INTERRUPTED,
    RepeatedLines,
    ScriptFailure,
    describe,
    run_script,
)
from streams.commands.subscribe import build_parser as build_subscribe_parser
from streams.commands.web import build_parser as build_web_parser
from streams.errors import BrokerUnavailable


def test_an_error_without_a_message_is_described_by_its_kind():
    assert describe(TimeoutError()) == "TimeoutError"
    assert describe(RuntimeError("worker exited early; its log ends:\n...")) == (
        "worker exited early; its log ends:"
    )


def test_a_failure_is_one_line_with_what_was_done_so_far(capsys):
    def body() -> int:
        raise ScriptFailure("")

    assert run_script("demo", body, so_far=lambda: "the board reached version 9 of 22") == FAILED
    assert capsys.readouterr().err == "demo: ScriptFailure; the board reached version 9 of 22\n"


def test_ctrl_c_exits_130_and_says_what_was_done(capsys):
    def body() -> int:
        raise KeyboardInterrupt

    assert run_script("produce", body, so_far=lambda: "9 of 22 events acknowledged") == 130
    assert INTERRUPTED == 130
    assert capsys.readouterr().err == "produce: interrupted; 9 of 22 events acknowledged\n"


def test_no_broker_at_the_start_names_it_and_how_to_start_one(capsys):
    def body() -> int:
        raise BrokerUnavailable("kafka://127.0.0.1:19092", "connection refused")

    assert run_script("ties", body, so_far=lambda: "never shown") == FAILED
    err = capsys.readouterr().err
    assert err.startswith("ties: no Kafka broker answers at kafka://127.0.0.1:19092 (")
    assert "python -m streams.broker" in err and "never shown" not in err


def test_a_connection_a_cut_short_start_left_open_is_not_reported_after_the_last_line(caplog):
    def body() -> int:
        loop = asyncio.new_event_loop()
        try:  # what aiokafka does when it collects such a connection (aio-libs/aiokafka#715)
            loop.call_exception_handler({"message": "Unclosed AIOKafkaConnection", "conn": "c"})
            loop.call_exception_handler({"message": "Task exception was never retrieved"})
        finally:
            loop.close()
        raise KeyboardInterrupt

    assert run_script("replay", body, so_far=lambda: "0 of 22 events re-streamed") == INTERRUPTED
    reported = [record.getMessage() for record in caplog.records if record.name == "asyncio"]
    assert reported == ["Task exception was never retrieved"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--port", "70000"], "argument --port: 70000 is not a port (1-65535)"),
        (["--port", "0"], "argument --port: 0 is not a port (1-65535)"),
        (["--web-port", "-1"], "argument --web-port: -1 is not a port (0-65535; 0 picks"),
        (["--speed", "-1"], "argument --speed: -1 is not a finite number above 0"),
        (["--speed", "nan"], "argument --speed: nan is not a finite number above 0"),
        (["--speed", "fast"], "argument --speed: not a number: 'fast'"),
    ],
)
def test_a_demo_flag_out_of_range_is_a_usage_error_before_anything_starts(argv, named, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_demo_parser().parse_args(argv)
    assert stopped.value.code == 2
    assert named in capsys.readouterr().err


def test_a_web_port_may_be_0_for_a_free_one_and_a_limit_must_be_at_least_1(capsys):
    parser = build_web_parser()
    assert parser.parse_args(["--port", "0", "--max-clients", "1"]).port == 0
    for argv in (["--port", "65536"], ["--max-clients", "0"], ["--max-clients", "-5"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
    assert "argument --max-clients: -5 is not 1 or above" in capsys.readouterr().err


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf"])
def test_a_subscriber_timeout_must_be_a_finite_number_of_seconds(timeout, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_subscribe_parser().parse_args(["--timeout", timeout])
    assert stopped.value.code == 2
    assert "argument --timeout" in capsys.readouterr().err


def test_a_line_error_from_the_log_names_offset_0_and_an_empty_file_names_no_line():
    first = LineError("match-events[4]", 0, "match_id", "match not scheduled")
    assert str(first) == "match-events[4]:0: field 'match_id': match not scheduled"
    empty = LineError("leg1.jsonl", None, None, "empty file: no events in it")
    assert str(empty) == "leg1.jsonl: empty file: no events in it"


def test_a_line_the_kafka_client_repeats_is_shown_once_a_window_then_with_how_many_were_not():
    now = [0.0]
    repeats = RepeatedLines(30.0, clock=lambda: now[0])

    def line(message: str, *args: object, name: str = "aiokafka") -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, None)

    unreachable = "Unable connect to node with id %s: %s"
    shown = []
    for second in range(75):  # a broker down for 75 s, 40 lines a second
        now[0] = float(second)
        for _ in range(40):
            record = line(unreachable, 0, "Connect call failed")
            if repeats.filter(record):
                shown.append((second, record.getMessage()))
    assert shown == [
        (0, "Unable connect to node with id 0: Connect call failed"),
        (30, "Unable connect to node with id 0: Connect call failed"
             " (1199 more like this in 30 s not shown)"),
        (60, "Unable connect to node with id 0: Connect call failed"
             " (1199 more like this in 30 s not shown)"),
    ]  # fmt: skip
    assert repeats.filter(line("Unable to update metadata from %s", 0))  # another message
    assert repeats.filter(line(unreachable, 0, "x", name="aiokafka.conn"))  # another logger


def test_the_folder_a_killed_demo_left_is_removed_by_the_next_demo_and_no_other(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    folders = {
        name: tmp_path / name
        for name in ("tracker-demo-killed", "tracker-demo-running", "tracker-demo-kept", "other")
    }
    for folder in folders.values():
        folder.mkdir()
        (folder / "broker.log").write_text("a log")
    (folders["tracker-demo-killed"] / MARKER).write_text(str(gone.pid))
    (folders["tracker-demo-running"] / MARKER).write_text(str(os.getpid()))
    (folders["other"] / MARKER).write_text(str(gone.pid))  # not a demo's folder
    # tracker-demo-kept has no marker: kept on purpose (--keep-logs, a failed run)
    assert remove_abandoned(tmp_path) == [folders["tracker-demo-killed"]]
    assert [name for name, folder in folders.items() if folder.exists()] == [
        "tracker-demo-running", "tracker-demo-kept", "other"
    ]  # fmt: skip


def test_dead_letters_refuses_a_reason_the_worker_never_gives_and_names_those_it_does(capsys):
    parser = build_dead_letters_parser()
    assert parser.parse_args(["--reason", "rule_violation"]).reason == "rule_violation"
    with pytest.raises(SystemExit) as exit:
        parser.parse_args(["--reason", "nonsense"])
    assert exit.value.code == 2
    said = capsys.readouterr().err
    assert "invalid choice: 'nonsense'" in said
    assert all(reason in said for reason in DEAD_LETTER_REASONS)
