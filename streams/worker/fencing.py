"""Fencing: a worker publishes and writes state only while it is sure it owns the partition.

A worker paused past the session timeout (SIGSTOP, a long GC pause, a network partition) has
lost its partitions to another worker, but nothing tells it so until its next heartbeat
fails; meanwhile it would publish stale tie states after the new owner's newer ones. Kafka
fences zombies with transactions, which our embedded broker lacks, so ownership here is a
lease: each heartbeat the group coordinator accepts proves membership from the moment it was
sent, and the coordinator cannot have given the partitions away before a session timeout has
passed since then. The worker acts only inside a fraction of that window, and when the lease
has run out it waits for the next accepted heartbeat, or for the rebalance that takes its
partitions away.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka.errors import KafkaError
from aiokafka.protocol.produce import ProduceRequest

#: The share of the session timeout a heartbeat's lease lasts: a margin for clock steps of
#: the event loop and for the time between the check and the bytes leaving.
LEASE_SHARE = 0.5


class Ownership:
    """Which `match-events` partitions this worker owns, in which group generation, and until
    when it is sure the group still counts it as a member."""

    def __init__(self, session_timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lease = session_timeout * LEASE_SHARE
        self.clock = clock
        self.generation = -1
        self.partitions: frozenset[int] = frozenset()
        self.lease_until = 0.0

    def assigned(self, generation: int, partitions: Iterable[int]) -> None:
        """The group has just given us ``partitions`` (a sync the coordinator answered)."""
        self.generation = generation
        self.partitions = frozenset(partitions)
        self.renew(self.clock())

    def revoked(self) -> None:
        """A rebalance began: until the next assignment we own nothing."""
        self.partitions = frozenset()

    def renew(self, sent_at: float) -> None:
        """A heartbeat sent at ``sent_at`` was accepted: membership is sure for a while."""
        self.lease_until = max(self.lease_until, sent_at + self.lease)

    def owns(self, partition: int, generation: int) -> bool:
        return generation == self.generation and partition in self.partitions

    def is_leased(self) -> bool:
        """Whether the group surely still counts this worker as a member now."""
        return self.clock() < self.lease_until

    async def confirm(self, partition: int, generation: int) -> bool:
        """True once the lease is valid and ``partition`` is still ours in ``generation``;
        False as soon as it is not (it was revoked, or the generation moved on)."""
        while self.owns(partition, generation):
            if self.clock() < self.lease_until:
                return True
            await asyncio.sleep(0.05)
        return False


class LeaseExpired(KafkaError):  # type: ignore[misc]  # aiokafka is untyped
    """What a fenced producer's client raises for a produce request sent while the lease
    has run out. Not retriable: aiokafka fails the request's batches, and the processor's
    publish sees the error, waits for the lease and drops the run if the partition is gone."""

    retriable = False


def fence_producer(producer: Any, ownership: Ownership) -> None:
    """Let ``producer`` (an aiokafka producer) send records only under a valid lease.

    The processor checks the lease before it hands a run's outputs to the producer, but
    aiokafka sends them later, from its accumulator: a worker paused between the two (seen
    in the chaos suite: SIGSTOP during a publish) sent the run after its resume, when another
    worker had published newer versions of the same ties, and `tie-scores` went backwards.
    Here the check is made again when aiokafka's client is given the request, just before it
    writes it to the socket (with no wait in between while the connection is up), so what
    leaves after a pause is refused. (A pause between the check and the write itself,
    microseconds, is not covered: only broker-side fencing, which the embedded broker
    lacks, could.) The changelog is not sent through this producer: its late
    records are ignored on restore instead (`streams.codecs.is_newer`)."""
    client = producer.client
    send = client.send

    async def send_if_leased(node_id: int, request: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(request, ProduceRequest) and not ownership.is_leased():
            raise LeaseExpired("the worker's ownership lease ran out before these records left")
        return await send(node_id, request, *args, **kwargs)

    client.send = send_if_leased
