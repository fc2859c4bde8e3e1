"""The worker as an operator runs it: it creates its topics, answers on its web port, raises
no false alarms when idle, and obeys SIGTERM within seconds even with its broker gone."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.request

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.local.broker import EmbeddedBroker
from streams.worker.tables import changelog_topic_name
from tests.streams.harness import Namespace, Worker

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
def idle_worker(broker_url, tmp_path_factory):
    """A worker alone on a fresh namespace (nothing created its topics), with Faust's stall
    monitor set to alarm after 5 s instead of 5 minutes."""
    space = Namespace(broker_url)
    log_dir = tmp_path_factory.mktemp("idle")
    worker = Worker(space, log_dir, env={"TRACKER_STALL_TIMEOUT": "5"}).start()
    worker.wait_ready()
    yield space, worker
    worker.stop()


async def test_a_bare_worker_creates_every_topic_with_the_documented_layout(idle_worker):
    space, _ = idle_worker
    names = space.topics
    changelog = changelog_topic_name(space.name)
    admin = AIOKafkaAdminClient(bootstrap_servers=space.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([*names.layout(space.partitions), changelog])
        compacted = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in (names.tie_scores, changelog)]
        )
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == {
        names.match_events: 8,
        names.tie_scores: 8,
        names.match_updates: 8,
        names.moments: 8,
        names.dead_letters: 1,
        changelog: 8,
    }
    for response in compacted:
        entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
        assert entries["cleanup.policy"] == "compact"


def test_the_worker_answers_on_the_web_port_it_was_given(idle_worker):
    _, worker = idle_worker
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.web_port}/", timeout=5) as answer:
        assert answer.status == 200


async def test_an_idle_healthy_worker_raises_no_false_stall_alarm(idle_worker):
    _, worker = idle_worker
    await asyncio.sleep(15)  # three times the stall timeout, six checks
    assert "Stream has not started processing" not in worker.log()
    assert "[ERROR]" not in worker.log()


@pytest.mark.timeout(120)
def test_a_worker_whose_broker_is_gone_obeys_sigterm_within_seconds(tmp_path):
    with EmbeddedBroker() as broker:
        worker = Worker(Namespace(broker.url), tmp_path).start()
        worker.wait_ready()
    time.sleep(2)  # the broker is gone and the worker knows it
    assert worker.process is not None
    asked = time.monotonic()
    os.killpg(worker.process.pid, signal.SIGTERM)
    worker.process.wait(30)
    took = time.monotonic() - asked
    print(f"stopped {took:.1f}s after SIGTERM")
    assert took < 15, worker.log()[-2000:]
