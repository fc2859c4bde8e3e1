"""The Faust side of the worker: `match-events` in, through the processor, updates out.

The transport hands `match-events` messages straight to the processor's inbox (a sink, see
`streams.worker.transport.register_sink`: no Faust `Stream` per event); the agent only
subscribes the worker to the topic. The processor folds whatever has arrived as one run
(`streams.worker.processor`). Rebalances drive the ownership lease and the
catch-up that runs before any message of a newly assigned partition is folded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from faust.types import TP

from streams.app import app, settings
from streams.kafka.clients import send_batched, start_producer, stop_producer
from streams.kafka.log import KafkaEventLog
from streams.topics import TopicNames
from streams.worker.fencing import fence_producer
from streams.worker.processor import Fenced, Incoming, Output, Outputs, TieProcessor
from streams.worker.tables import ChangelogRecord, TieStore, tie_table
from streams.worker.transport import Sink, commit_folded, register_sink

log = logging.getLogger(__name__)

names = TopicNames(settings.topic_prefix)
match_events = app.topic(
    names.match_events,
    partitions=settings.partitions,
    internal=True,
    key_serializer="raw",
    value_serializer="raw",
)
ties = tie_table(app, settings.partitions)
#: Bounded: when the processor falls behind, the agent waits instead of buffering forever.
inbox: asyncio.Queue[Incoming] = asyncio.Queue(maxsize=20_000)


class WorkerProducer:
    """A producer of the worker's own, apart from Faust's, started by its first send (the
    first catch-up runs before Faust starts extra services) and stopped before shutdown.
    The outputs' one is fenced by the ownership lease at the moment its requests leave
    (`streams.worker.fencing`); the changelog's is not (a late record loses on restore)."""

    def __init__(self, *, fenced: bool) -> None:
        self.fenced = fenced
        self.producer: Any = None
        self.starting = asyncio.Lock()

    async def get(self) -> Any:
        if self.producer is not None:
            return self.producer
        async with self.starting:
            if self.producer is None:
                producer = await start_producer(
                    settings.bootstrap,
                    acks="all",
                    linger_ms=0,  # as the app's producer (see streams.app)
                    max_batch_size=512 * 1024,
                    max_request_size=4 * 1024 * 1024,
                )
                if self.fenced:
                    fence_producer(producer, app.ownership)
                self.producer = producer
        return self.producer

    async def stop(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            await stop_producer(producer)


outputs_producer = WorkerProducer(fenced=True)
changelog_producer = WorkerProducer(fenced=False)


async def publish(outputs: Sequence[Output]) -> None:
    """Send every output and return once the broker acknowledged them all."""
    producer = await outputs_producer.get()
    await asyncio.gather(*await send_batched(producer, outputs))


async def send_changelog(records: Sequence[ChangelogRecord]) -> Awaitable[object]:
    """Hand a run's changelog records to the producer, in order; returns their delivery
    (the store awaits it before the partition's next mark)."""
    deliveries = await send_batched(await changelog_producer.get(), records)
    return asyncio.gather(*deliveries)


@app.on_before_shutdown.connect
async def _stop_producers(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
    """The consumer has stopped: nothing more will be published."""
    await outputs_producer.stop()
    await changelog_producer.stop()


processor = TieProcessor(
    store=TieStore(ties, send_changelog),
    publish=publish,
    log=KafkaEventLog(settings.bootstrap),
    owner=app.ownership,
    outputs=Outputs(names.tie_scores, names.match_updates, names.moments, names.dead_letters),
    healing=settings.healing,
)


def _incoming(message: Any) -> Incoming:
    return Incoming(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        generation=message.generation_id,
    )


class _Inbox(Sink):
    """`match-events` messages, in partition order, into the processor's inbox."""

    def offer(self, message: Any) -> bool:
        if inbox.full():
            return False
        inbox.put_nowait(_incoming(message))
        return True

    async def put(self, message: Any) -> None:
        await inbox.put(_incoming(message))


register_sink(app, names.match_events, _Inbox())


@app.agent(match_events, concurrency=1)
async def fold_match_events(stream: Any) -> None:
    """Subscribes the worker to `match-events` (partitions, commits; concurrency 1: Faust
    #606). Its messages reach the inbox through the transport's sink, not this stream; the
    loop below only runs if the sink is not installed, and says so once."""
    warned = False
    async for event in stream.events():
        if not warned:
            log.warning("match-events reached the agent's stream: the sink is not installed")
            warned = True
        await inbox.put(_incoming(event.message))


async def run_processor() -> None:
    """Folds the inbox for the worker's whole life."""
    await processor.run(inbox)


app.task(run_processor)


# Signal receivers are called as ``receiver(sender, *args, signal=the_signal)`` (mode's
# SignalHandlerT): the assignment signals send the partitions as their one argument.


@app.on_partitions_revoked.connect
async def _on_revoked(sender: Any, /, *revoked: Any, signal: Any, **kwargs: Any) -> None:
    app.ownership.revoked()
    processor.forget_partitions()


@app.on_partitions_assigned.connect
async def _on_assigned(sender: Any, /, *sent: Any, signal: Any, **kwargs: Any) -> None:
    [assigned] = sent
    mine = {tp.partition for tp in assigned if tp.topic == names.match_events}
    app.ownership.assigned(app.consumer_generation_id, mine)


@app.on_rebalance_complete.connect
async def _on_rebalance_complete(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
    """Tables are restored and streams not resumed yet: fold what the table lacks first."""
    if not settings.healing:
        return
    generation = app.consumer_generation_id
    for partition in sorted(app.ownership.partitions):
        try:
            await processor.catch_up(names.match_events, partition, generation)
        except Fenced:
            log.info("another rebalance began during the catch-up of partition %d", partition)
            return
        except Exception:  # the first message of the partition will try again
            log.exception("catch-up of %s[%d] failed", names.match_events, partition)
    await _commit_caught_up(sorted(app.ownership.partitions), generation)


async def _commit_caught_up(partitions: Sequence[int], generation: int) -> None:
    """Commit where the catch-ups got to, so that the fetcher, which starts from the commit,
    does not read the backlog again. Only a cost if it fails: the processor skips what it
    has folded (its own positions decide, never the commit). A catch-up reads to the log's
    end, so this never moves the commit back."""
    if app.consumer_generation_id != generation:
        return  # another rebalance began: its own catch-ups will commit
    ends = {
        TP(names.match_events, partition): processor.expected[partition]
        for partition in partitions
        if partition in processor.expected
    }
    try:
        await commit_folded(app, ends)
    except Exception as error:  # a rebalance under way, the broker gone for a while
        log.warning(
            "could not commit the caught-up offsets (%r): the fetcher reads them again "
            "and the processor skips them",
            error,
        )
