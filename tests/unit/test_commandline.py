"""How scripts end: one line, never an empty reason, the documented exit codes."""

from __future__ import annotations

import asyncio

from streams.commands.endings import FAILED, INTERRUPTED, ScriptFailure, describe, run_script
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
