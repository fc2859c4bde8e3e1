"""The embedded broker: it serves Kafka clients, stops cleanly and never outlives its parent."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.config import bootstrap_of
from streams.errors import PortTaken, ProcessFailed, TopicLayoutConflict
from streams.kafka.admin import create_topics
from streams.local.broker import EmbeddedBroker, metadata_brokers

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


async def test_produce_consume_round_trip(broker_url: str) -> None:
    bootstrap = bootstrap_of(broker_url)
    topic = f"roundtrip-{uuid.uuid4().hex[:8]}"
    assert await create_topics(bootstrap, {topic: (4, False)}) == [topic]
    sent = {f"key-{n}".encode(): f"value-{n}".encode() for n in range(50)}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for key, value in sent.items():
            await producer.send(topic, key=key, value=value)
        await producer.flush()
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    received: dict[bytes, bytes] = {}
    try:
        deadline = time.monotonic() + 20
        while len(received) < len(sent) and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                received.update({r.key: r.value for r in records if r.key is not None})
    finally:
        await consumer.stop()
    assert received == sent


async def test_create_topics_is_idempotent_and_sets_compaction(broker_url: str) -> None:
    bootstrap = bootstrap_of(broker_url)
    name = uuid.uuid4().hex[:8]
    layout = {f"plain-{name}": (8, False), f"compact-{name}": (3, True)}
    assert sorted(await create_topics(bootstrap, layout)) == sorted(layout)
    assert await create_topics(bootstrap, layout) == []
    with pytest.raises(TopicLayoutConflict, match="partition counts"):
        await create_topics(bootstrap, {f"plain-{name}": (2, False)})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(layout))
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, f"compact-{name}")]
        )
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == {
        name: partitions for name, (partitions, _) in layout.items()
    }
    entries = {entry[0]: entry[1] for entry in configs[0].resources[0][4]}
    assert entries["cleanup.policy"] == "compact"


def test_stop_leaves_no_process_and_frees_the_port() -> None:
    broker = EmbeddedBroker().start()
    pid, port, log_dir = broker.pid, broker.port, broker.log_path.parent
    assert pid is not None and alive(pid)
    assert broker.url == f"kafka://127.0.0.1:{port}"
    assert metadata_brokers("127.0.0.1", port)[0][2] == port
    broker.stop()
    assert not alive(pid)
    assert port_is_free(port)
    assert not log_dir.exists()
    broker.stop()  # a second stop is harmless


def test_a_taken_port_is_refused_before_starting_anything() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        broker = EmbeddedBroker(port)
        with pytest.raises(PortTaken, match=f"port {port} on 127.0.0.1 is already in use"):
            broker.start()
        assert broker.process is None  # no Tansu was started to panic with AddrInUse
        assert broker.log_path is None  # and its temporary folder is gone


def test_a_broker_that_never_answers_times_out_naming_the_port(tmp_path: Path) -> None:
    mute = tmp_path / "mute-broker"
    mute.write_text("#!/bin/sh\necho 'pretending to start'\nexec sleep 60\n")
    mute.chmod(0o755)
    broker = EmbeddedBroker(binary=str(mute), ready_timeout=0.5)
    with pytest.raises(ProcessFailed, match=r"(?s)port \d+.*pretending to start") as raised:
        broker.start()
    assert "did not answer a metadata request" in str(raised.value)
    assert broker.process is None


@pytest.mark.parametrize("how", ["SIGKILL", "exception"])
def test_the_broker_dies_with_its_parent(how: str) -> None:
    ending = "os.kill(os.getpid(), signal.SIGKILL)" if how == "SIGKILL" else "raise SystemExit(3)"
    child = textwrap.dedent(
        f"""
        import os, signal, sys, time
        from streams.local.broker import EmbeddedBroker
        broker = EmbeddedBroker().start()
        print(broker.pid, broker.port, flush=True)
        sys.stdin.readline()
        {ending}
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", child],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None and parent.stdin is not None
    pid, port = map(int, parent.stdout.readline().split())
    try:
        assert alive(pid)
        assert metadata_brokers("127.0.0.1", port)[0][2] == port
        parent.stdin.write("go\n")
        parent.stdin.flush()
        parent.wait(10)
        assert wait_until(lambda: not alive(pid), 5), f"tansu {pid} outlived its parent"
        assert wait_until(lambda: port_is_free(port), 5)
    finally:
        parent.kill()
        if alive(pid):
            subprocess.run(["kill", "-9", str(pid)], check=False)
