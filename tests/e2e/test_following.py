"""A subscriber started before anything else, as a new user does it: it waits for the topics,
misses nothing, and tells the tie leg by leg with its moments."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from streams.config import Settings
from streams.local.broker import EmbeddedBroker
from streams.local.worker import WorkerProcess
from tests.e2e.conftest import ROOT, run_script

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
