"""The outputs producer's fence on the real broker: records a worker hands to the producer
leave only while its ownership lease holds, so a worker paused mid-publish cannot send
stale tie states after its resume."""

from __future__ import annotations

import pytest

from streams.kafka.clients import start_producer, stop_producer
from streams.worker.fencing import LeaseExpired, Ownership, fence_producer
from tests.streams.harness import Namespace, read_until

pytestmark = pytest.mark.broker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_records_leave_under_a_valid_lease_and_are_refused_once_it_has_run_out(
    broker_url,
):
    space = Namespace(broker_url)
    topic = space.topics.tie_scores
    clock = Clock()
    ownership = Ownership(session_timeout=10.0, clock=clock)
    ownership.assigned(generation=0, partitions=[0])  # leased until 105
    producer = await start_producer(space.bootstrap, acks="all", linger_ms=0)
    try:
        fence_producer(producer, ownership)
        await (await producer.send(topic, b"v1 Inter Miami 1-0", key=b"tie", partition=0))
        clock.now = 120.0  # paused past the session timeout: no heartbeat renewed it
        refused = await producer.send(topic, b"v0 stale", key=b"tie", partition=0)
        with pytest.raises(LeaseExpired):
            await refused
        ownership.renew(sent_at=clock.now)  # a heartbeat accepted again
        await (await producer.send(topic, b"v2 Inter Miami 2-0", key=b"tie", partition=0))
    finally:
        await stop_producer(producer)
    # Everything that reached the partition (waiting a while for a third that never comes).
    values = [v for _, v in await read_until(space, topic, lambda vs: len(vs) > 2, 5)]
    assert values == [b"v1 Inter Miami 1-0", b"v2 Inter Miami 2-0"]
