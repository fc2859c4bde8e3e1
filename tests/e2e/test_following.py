"""A subscriber started before anything else, as a new user does it: it waits for the topics,
misses nothing, and tells the tie leg by leg with its moments."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from streams.codecs import encode_tie
from streams.config import Settings, bootstrap_of
from streams.kafka.admin import create_topics
from streams.kafka.clients import producing
from streams.local.broker import EmbeddedBroker
from streams.local.worker import WorkerProcess
from streams.topics import TopicNames
from tests.e2e.conftest import ROOT, run_script
from tests.seed import seed_as
from tracker import TieState, fold, new_tie

pytestmark = pytest.mark.broker


def test_a_subscriber_started_before_the_worker_tells_both_legs_in_order_with_their_moments(
    tmp_path, seed_files
):
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        env = {**os.environ, "KAFKA_BROKER": broker.url, "TRACKER_PARTITIONS": "2"}
        follower = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/subscribe.py"), "--moments", "--until-finished",
             "--timeout", "240"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        assert follower.stderr is not None
        waiting = follower.stderr.readline()
        assert waiting.startswith(f"subscribe: waiting for tie-scores, moments on {broker.url}")
        settings = Settings.from_env(env).replace(app_id="first-hour")
        worker = WorkerProcess(settings, tmp_path / "worker.log").start()
        try:
            worker.wait_ready()
            fed = run_script("produce.py", *map(str, seed_files), env=env)  # as the README says
            assert fed.returncode == 0, fed.stderr
            out, err = follower.communicate(timeout=240)
        finally:
            worker.stop()
    assert follower.returncode == 0, err
    following = [line for line in err.splitlines() if line.startswith("subscribe: following")]
    assert following, err  # once, or once per topic when they appear one after the other
    assert all(line.endswith(f"on {broker.url} (from the beginning)") for line in following)
    assert "tie-scores" in following[0]
    lines = out.splitlines()
    versions = [int(line.split()[0][1:]) for line in lines if not line.startswith("  * ")]
    # Events produced together may be folded as one run, so the first update a subscriber
    # sees can be any version (README, contract: intermediate versions may be skipped under
    # a backlog); versions only grow, and the last is the tie's 22nd event.
    assert versions == sorted(set(versions)) and versions[-1] == 22
    assert lines.index("  * 0' Kick-off") < lines.index("  * 45' Half-time: LAFC 0-0 Inter Miami")
    leg_1_ends = lines.index("  * Full time: LAFC 1-0 Inter Miami")
    long_scores = lines.index("  * 9' Long: 0-1, 0-2 on aggregate, LAFC through")
    assert leg_1_ends < long_scores  # leg 2 was played after leg 1, not interleaved by clock
    redondo = lines.index("  * 61' Redondo: 2-1, 2-2 on aggregate, LAFC through on away goals")
    told_before = [line for line in lines[:redondo] if not line.startswith("  * ")]
    assert int(told_before[-1].split()[0][1:]) >= 14  # never told before the state it is in
    assert lines[-1] == "  * Inter Miami go through, 3-2 on aggregate"


def _backlog(broker_url: str, states: list[TieState]) -> None:
    """``states`` written straight into `tie-scores`, one partition, in this order."""

    async def write() -> None:
        bootstrap = bootstrap_of(broker_url)
        topics = TopicNames("")
        await create_topics(bootstrap, {topics.tie_scores: (1, True)})
        async with producing(bootstrap) as producer:
            for state in states:
                await producer.send_and_wait(
                    topics.tie_scores, encode_tie(state), key=state.tie_id.encode()
                )

    asyncio.run(write())


def _until_finished(broker_url: str, *flags: str):
    env = {**os.environ, "KAFKA_BROKER": broker_url}
    return run_script(
        "subscribe.py", "--from-beginning", "--until-finished", "--timeout", "8", *flags, env=env
    )


def test_until_finished_reads_the_whole_backlog_before_calling_every_tie_finished(
    tmp_path, seed_events
):
    copy = seed_as(seed_events, "copy-of-the-seed-tie")
    finished = fold(seed_events, new_tie(seed_events[0].tie_id))
    still_playing = fold(copy[:15], new_tie("copy-of-the-seed-tie"))
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        _backlog(broker.url, [finished, still_playing])
        every_tie = _until_finished(broker.url)
    # The seed tie is over, its copy is not: every tie seen is not finished, so no stop.
    assert every_tie.returncode == 1, every_tie.stderr
    assert "not finished in 8s" in every_tie.stderr
    assert len(every_tie.stdout.splitlines()) == 2, every_tie.stdout  # one line a tie


def test_until_finished_for_a_tie_ends_on_its_latest_state_not_a_finished_one_corrected_since(
    tmp_path, seed_events
):
    tie_id = seed_events[0].tie_id
    finished = fold(seed_events, new_tie(tie_id))
    corrected = finished.model_copy(update={"version": finished.version + 1, "complete": False})
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        _backlog(broker.url, [finished, corrected])
        one_tie = _until_finished(broker.url, "--tie", tie_id)
    # Its last state has a seq gap open again: not finished yet, whatever came before.
    assert one_tie.returncode == 1, one_tie.stderr
    assert f"v{finished.version + 1} " in one_tie.stdout


def test_a_subscriber_stopped_by_sigterm_or_its_terminal_closing_says_so_in_one_line(broker_url):
    env = {**os.environ, "KAFKA_BROKER": broker_url}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        follower = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/subscribe.py"), "--moments"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        assert follower.stderr is not None
        started = follower.stderr.readline()
        assert started.startswith("subscribe: "), started
        time.sleep(1.0)  # following: its consumer's generators are open
        follower.send_signal(signum)
        _, err = follower.communicate(timeout=30)
        assert follower.returncode == 130, err
        assert err.splitlines() == ["subscribe: interrupted; 0 update(s) and 0 moment(s) shown"]
