"""Every Kafka client outside the Faust worker is made here: consumers with our fetch wait
built in, producers (idempotent where the broker allows it), the admin client; and
aiokafka's errors become :mod:`streams.errors` here (:func:`broker_errors`).

Faust and aiokafka wait up to 1.5 s / 500 ms in each fetch (the worker's consumer gets our
wait too: :mod:`streams.worker.transport`). Tansu does not answer a waiting fetch when
records arrive: it answers up to half the fetch's maximum wait later (measured, one message
at random 30-370 ms gaps: seen at most 101 ms late with a 200 ms wait, 16 ms with 20,
~9 ms (p95) with 10; p50 5.9 ms with 20, 4.1 ms with 10, including the produce). Waits under
10 ms made the tail worse on a busy machine (a client polling the broker non-stop). The
price is paid when idle: an idle worker and the broker used 0.13 core each at 10 ms, 0.09 at
20. On Apache Kafka a short wait only costs a few more empty fetches when idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.partitioner import DefaultPartitioner, murmur2

from streams.config import DEFAULT_FETCH_WAIT_MS
from streams.errors import BrokerRefused, BrokerUnavailable, describe, map_exceptions

log = logging.getLogger(__name__)

#: Each consumer hop of an update (worker, subscriber) waits up to about half of this on
#: Tansu; 10 ms keeps two hops within the 25 ms latency goal (README, bench.py). A worker
#: may be given another (`TRACKER_FETCH_WAIT_MS`, README "Worker settings").
FETCH_MAX_WAIT_MS = DEFAULT_FETCH_WAIT_MS
#: Per partition and fetch: more than any message a producer can send with the usual limits.
MAX_FETCH_BYTES = 16 * 1024 * 1024


@contextlib.contextmanager
def broker_errors(url: str) -> Iterator[None]:
    """aiokafka's errors as ours: no connection is :class:`BrokerUnavailable`, any other
    Kafka error :class:`BrokerRefused`."""
    with map_exceptions(
        {
            KafkaConnectionError: lambda error: BrokerUnavailable(
                url, describe(error) if str(error) else "cannot bootstrap"
            ),
            KafkaError: lambda error: BrokerRefused(url, error),
        }
    ):
        yield


def consumer(bootstrap: str, *topics: str, **options: Any) -> AIOKafkaConsumer:
    """A consumer with our fetch wait, reading from the earliest offset, committing nothing,
    outside any group and able to fetch any message a producer may send, unless ``options``
    say otherwise (aiokafka's own keyword arguments)."""
    settings: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
        "group_id": None,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_partition_fetch_bytes": MAX_FETCH_BYTES,
    }
    return AIOKafkaConsumer(*topics, **{**settings, **options})


async def start_client(client: Any, bootstrap: str) -> None:
    """Start a consumer or producer; when it cannot, close it and raise one of ours."""
    try:
        with broker_errors(bootstrap):
            await client.start()
    except BaseException:
        await client.stop()
        raise


@contextlib.asynccontextmanager
async def consuming(bootstrap: str, *topics: str, **options: Any) -> AsyncIterator[Any]:
    """A started :func:`consumer`, stopped at the end; its errors mapped to ours."""
    client = consumer(bootstrap, *topics, **options)
    await start_client(client, bootstrap)
    try:
        with broker_errors(bootstrap):
            yield client
    finally:
        await client.stop()


class KeptHashPartitioner:
    """aiokafka's default partitioner (a key's murmur2 hash, as the Java client's, modulo
    the partitions; no key: a random one), keeping each key's hash: murmur2 in pure Python
    cost 7-8 µs a key, and every update, moment and event is sent under its tie's key."""

    def __init__(self, kept: int = 100_000) -> None:
        self._hashes: dict[bytes, int] = {}
        self._kept = kept  # then forgotten all at once and learnt again

    def __call__(self, key: bytes | None, every: list[int], available: list[int]) -> int:
        if key is None:
            return DefaultPartitioner()(key, every, available)  # type: ignore[no-any-return]
        hashed = self._hashes.get(key)
        if hashed is None:
            if len(self._hashes) >= self._kept:
                self._hashes.clear()
            hashed = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return every[hashed % len(every)]


async def start_producer(bootstrap: str, *, linger_ms: int = 5, **options: Any) -> Any:
    """A started producer. With ``acks`` in ``options``, exactly what they say; otherwise
    waiting for all replicas and idempotent where the broker allows it (Tansu has no
    InitProducerId, so there it falls back to acks=all alone). Keys are placed by
    :class:`KeptHashPartitioner` unless ``options`` name a partitioner. Raises
    :class:`BrokerUnavailable` (and leaves nothing open) when no broker answers."""
    options.setdefault("partitioner", KeptHashPartitioner())
    if "acks" in options:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=linger_ms, **options)
        await start_client(producer, bootstrap)
        return producer
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=linger_ms, **options
    )
    sender_log = logging.getLogger("aiokafka.producer.sender")
    level = sender_log.level
    sender_log.setLevel(logging.CRITICAL)  # the refusal is expected on Tansu: say it once, below
    try:
        await start_client(producer, bootstrap)
        return producer
    except BrokerRefused as error:
        log.info("broker refused an idempotent producer (%s); using acks=all", error)
    finally:
        sender_log.setLevel(level)
    return await start_producer(bootstrap, linger_ms=linger_ms, acks="all", **options)


class Record(Protocol):
    """What :func:`send_batched` sends: a partition of None is the producer's choice by key."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int | None: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes: ...


async def send_batched(producer: Any, records: Iterable[Record]) -> list[Any]:
    """Hand ``records`` to ``producer`` (aiokafka) in one batch per partition, in order,
    each with one ``send_batch``; returns the futures of the batches' delivery.

    Records without a partition get the one ``send`` would give them (the producer's own
    partitioner, by key). ``send`` per record cost a partition lookup, a future and a
    callback each: with every update live, a tenth of the worker's time."""
    partitioner = producer._partitioner  # aiokafka's, as ``send`` uses it
    partitions: dict[str, list[int]] = {}
    batches: dict[tuple[str, int], Any] = {}
    sent = []
    for record in records:
        topic, partition = record.topic, record.partition
        if partition is None:
            if topic not in partitions:
                partitions[topic] = sorted(await producer.partitions_for(topic))
            every = partitions[topic]
            partition = partitioner(record.key, every, every)
        batch = batches.get((topic, partition))
        if batch is None:
            batch = batches[topic, partition] = producer.create_batch()
        if batch.append(key=record.key, value=record.value, timestamp=None) is None:
            sent.append(await producer.send_batch(batch, topic, partition=partition))
            batch = batches[topic, partition] = producer.create_batch()
            batch.append(key=record.key, value=record.value, timestamp=None)  # a first fits
    for (topic, partition), batch in batches.items():
        sent.append(await producer.send_batch(batch, topic, partition=partition))
    return sent


async def stop_producer(producer: Any, *, timeout: float = 2.0) -> None:
    """Flush and close the producer; one that cannot flush within ``timeout`` (its broker is
    gone: aiokafka would retry for its whole request timeout) is abandoned, not awaited."""
    stopping = asyncio.ensure_future(producer.stop())
    done, _ = await asyncio.wait({stopping}, timeout=timeout)
    if done:
        stopping.result()
        return
    sender = getattr(producer, "_sender", None)
    task = getattr(sender, "sender_task", None)
    if task is not None:
        task.cancel()  # lets stop() skip the flush and close the connections
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(stopping, timeout)


@contextlib.asynccontextmanager
async def producing(bootstrap: str, **options: Any) -> AsyncIterator[Any]:
    """A started producer (see :func:`start_producer`), flushed and stopped at the end; its
    errors mapped to ours."""
    producer = await start_producer(bootstrap, **options)
    try:
        with broker_errors(bootstrap):
            yield producer
    finally:
        await stop_producer(producer)


@contextlib.asynccontextmanager
async def administering(bootstrap: str, *, timeout: float = 15.0) -> AsyncIterator[Any]:
    """A started admin client, closed at the end; its errors mapped to ours."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        with broker_errors(bootstrap):
            await admin.start()
            yield admin
    finally:
        await admin.close()
