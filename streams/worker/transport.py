"""Faust's aiokafka transport with six changes: a short fetch wait, heartbeats that renew
the worker's ownership lease (`streams.worker.fencing`), no false stall alarms for changelogs,
no Task per message in the fetcher, topics whose messages skip Faust's streams (sinks), and a
commit of what the catch-up folded before the fetcher starts (`_Consumer.commit_folded`).

Faust builds its consumer with `fetch_max_wait_ms=1500`; on Tansu every update would wait up
to 1.5 s, so the worker's consumer gets the same short wait as every other client here
(:data:`streams.kafka.clients.FETCH_MAX_WAIT_MS`, where the measurement is), or the one
its settings give (`TRACKER_FETCH_WAIT_MS`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import faust
from aiokafka.structs import OffsetAndMetadata
from faust.transport.conductor import Conductor
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.config import bootstrap_of
from streams.heap import hold_many_ties
from streams.kafka.clients import FETCH_MAX_WAIT_MS
from streams.worker.fencing import Ownership

#: A healthy broker lets the consumer leave its group in well under a second.
CONSUMER_STOP_TIMEOUT = 5.0
#: Seconds the commit after a catch-up may take; past them it is given up (and the fetcher
#: reads the caught-up messages again, which the processor skips).
COMMIT_FOLDED_TIMEOUT = 10.0


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        wait = self.app.fetch_wait_ms if isinstance(self.app, TrackerApp) else FETCH_MAX_WAIT_MS
        consumer._fetch_max_wait_ms = wait  # read when the consumer starts
        return consumer

    async def on_thread_stop(self) -> None:
        """Stop the consumer, but not for ever and never by raising: with its broker gone,
        aiokafka's stop raised NodeNotReadyError or hung, and the worker took 40-80 s to obey
        SIGTERM."""
        try:
            await asyncio.wait_for(super().on_thread_stop(), CONSUMER_STOP_TIMEOUT)
        except (Exception, asyncio.CancelledError) as error:  # a thread that raises here never
            # says it has shut down, and the worker waits 60 s for it (mode's stop timeout)
            self.log.warning(
                "the consumer did not leave its group cleanly (%r; a broker gone or slow to "
                "answer): stopping without it, the group moves its partitions on its own",
                error,
            )

    def verify_event_path(self, now: float, tp: Any) -> None:
        """Faust's stall monitor expects a stream behind every acking topic, so after
        `stream_processing_timeout` (5 min) it logged "Stream has not started processing" for
        the table's changelog every 2.5 s on a healthy worker (faust-streaming #166/#177):
        a changelog is read by the table's recovery, so it gets the recovery's checks."""
        if tp.topic in self.app.tables.changelog_topics:
            self.verify_recovery_event_path(now, tp)
            return
        super().verify_event_path(now, tp)

    async def commit_folded(self, ends: Mapping[Any, int]) -> bool:
        """`_Consumer.commit_folded`, in the consumer's thread; a broker that does not
        answer within :data:`COMMIT_FOLDED_TIMEOUT` raises TimeoutError (aiokafka retries
        a commit without end)."""
        consumer = self._ensure_consumer()
        assigned = consumer.assignment()
        offsets = {}
        for tp, end in ends.items():
            partition = faust_aiokafka.ensure_aiokafka_TP(tp)
            if partition in assigned:
                offsets[partition] = OffsetAndMetadata(end, "")
        if not offsets:
            return False
        await asyncio.wait_for(consumer.commit(offsets), COMMIT_FOLDED_TIMEOUT)
        return True

    async def on_start(self) -> None:
        await super().on_start()
        coordinator = getattr(self._consumer, "_coordinator", None)  # aiokafka's, untyped
        if isinstance(self.app, TrackerApp) and coordinator is not None:
            _renew_on_heartbeat(coordinator, self.app.ownership)


def _renew_on_heartbeat(coordinator: Any, ownership: Ownership) -> None:
    """Renew the worker's ownership lease with every heartbeat the coordinator accepts
    outside a rebalance (aiokafka counts "rebalance in progress" as a success)."""
    heartbeat = coordinator._do_heartbeat

    async def do_heartbeat() -> bool:
        sent_at = time.monotonic()
        accepted = bool(await heartbeat())
        if accepted and not coordinator._rejoin_needed_fut.done():
            ownership.renew(sent_at)
        return accepted

    coordinator._do_heartbeat = do_heartbeat


class _Resumed:
    """Awaitable that drives to its end a coroutine whose first step already ran by hand and
    yielded ``waiting_for`` (as ``yield from`` would, picked up mid-way). In a Task it waits
    like the coroutine itself, and cancelling the Task throws CancelledError into the
    coroutine where it waits."""

    __slots__ = ("coro", "waiting_for")

    def __init__(self, coro: Any, waiting_for: Any) -> None:
        self.coro = coro
        self.waiting_for = waiting_for

    def __await__(self) -> Any:
        coro, value = self.coro, self.waiting_for
        self.waiting_for = None
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # CancelledError too: the coroutine must see it
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def commit_folded(self, ends: Mapping[Any, int]) -> bool:
        """Commit ``ends`` (topic-partition -> the offset after the last one folded) for
        the partitions still assigned; False if none is. The catch-up that folds a backlog
        runs before Faust's fetcher starts, and the fetcher starts from the committed
        offsets: without this it fetched the whole backlog again, for the processor to skip
        message by message (2.0-2.2 CPU-s after a catch-up of 70,866 events, a quarter of
        the worker's CPU for that backlog). Not through Faust's commit, which crashes the
        worker on most errors (a commit of nothing, when a rebalance took every partition
        meanwhile, is one): this one raises them to the caller."""
        thread = self._thread
        if not isinstance(thread, _ConsumerThread):
            return False
        committed: bool = await thread.call_thread(thread.commit_folded, ends)
        return committed

    async def _drain_messages(self, fetcher: Any) -> None:
        """Faust's fetcher loop (faust/transport/consumer.py, ``Consumer._drain_messages``)
        but for one step. Faust hands every message over with ``await
        self.wait_first(callback(message), self.suspend_flow.wait())``: mode's ``wait_first``
        wraps both awaitables and the service's stopped/crashed events in four Tasks, waits
        for the first and cancels the other three, which costs three event-loop iterations
        and about twelve callbacks per message even when the handler never waits (measured:
        3.01 iterations per event). Here the handler's first step runs inline, as Python
        3.12's eager tasks would run it: almost always it finishes there (no Task, no loop
        turn); if it has to wait (flow suspended, a full buffer, the conductor's lock) the
        rest of it is raced against ``suspend_flow`` in a Task exactly as Faust does."""
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        set_flag = self.diag.set_flag
        unset_flag = self.diag.unset_flag
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for
        suspend_flow = self.suspend_flow
        yield_every = 100
        num_since_yield = 0
        sleep = asyncio.sleep
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                ait = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        num_since_yield += 1
                        if num_since_yield > yield_every:
                            await sleep(0)
                            num_since_yield = 0
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            gap = offset - (r_offset or 0)
                            if gap > 1 and r_offset and acks_enabled_for(message.topic):
                                await self._add_gap(tp, r_offset + 1, offset)
                            if commit_every is not None and self._n_acked >= commit_every:
                                self._n_acked = 0
                                await self.commit()
                            handler: Any = callback(message)  # the conductor's coroutine
                            try:
                                waiting_for = handler.send(None)
                            except StopIteration:
                                pass  # done without waiting: the usual case
                            else:
                                await self.wait_first(
                                    _Resumed(handler, waiting_for), suspend_flow.wait()
                                )
                            set_read_offset(tp, offset)
                    unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            unset_flag(CONSUMER_FETCHING)


async def commit_folded(app: faust.App, ends: Mapping[Any, int]) -> bool:
    """`_Consumer.commit_folded` on ``app``'s consumer; False (nothing committed) on a
    transport other than this one."""
    consumer = app.consumer
    return isinstance(consumer, _Consumer) and await consumer.commit_folded(ends)


class Sink:
    """Where the messages of a topic go instead of Faust's streams (see `register_sink`):
    ``offer`` takes a message without waiting (False: no room now), ``put`` waits for room."""

    def offer(self, message: Any) -> bool:
        raise NotImplementedError

    async def put(self, message: Any) -> None:
        raise NotImplementedError


def register_sink(app: TrackerApp, topic: str, sink: Sink) -> None:
    """Hand every message of ``topic`` to ``sink`` as soon as it is fetched, and ack it then.

    Faust's per-event ``Stream`` costs one event-loop iteration per event
    (``await asyncio.sleep(0)`` in ``StreamIterator.next``, faust/_cython/streams.pyx), plus
    decoding into an ``Event``, sensors and the per-message ack; ``take_events`` iterates the
    same way in the background. A sink gets the raw ``ConsumerMessage`` from the conductor
    instead. An agent must still subscribe to the topic (so the group assigns its partitions
    and Faust commits them); it receives nothing. Acks go through ``Consumer.ack``, so the
    commit loop commits handed-over offsets as if a stream had acked them."""
    app.sinks[topic] = sink


class _SinkHandler:
    """The conductor's callback for one partition of a sink's topic."""

    def __init__(self, app: Any, tp: Any, sink: Sink) -> None:
        self.app = app
        self.tp = tp
        self.offer = sink.offer
        self.put = sink.put
        self.consumer = app.consumer
        self.flow_control = app.flow_control
        #: what `verify_event_path` (the stall alarm) reads to see this partition progress
        self.inbound = app.monitor.stream_inbound_time

    async def __call__(self, message: Any) -> None:
        if not self.flow_control.is_active():
            await self.flow_control.acquire()  # what Faust's own handler does first
        if message.generation_id != self.app.consumer_generation_id:
            return  # from before a rebalance: skipped as Faust's streams do (left unacked)
        if not self.offer(message):
            # full: wait for room. `_drain_messages` races this wait against a rebalance
            # (suspend_flow), as Faust does for any handler that waits; cancelled, the message
            # is neither handed over nor acked, and the partition's owner reads it again.
            await self.put(message)
            if message.generation_id != self.app.consumer_generation_id:
                return
        self.consumer.ack(message)
        self.inbound[self.tp] = time.monotonic()


class _Conductor(Conductor):
    """Faust's conductor, but a sink's topic gets `_SinkHandler` instead of the handler that
    decodes each message into an ``Event`` for every stream subscribed to it."""

    def _build_handler(self, tp: Any, channels: Any) -> Any:
        sinks: Mapping[str, Sink] = getattr(self.app, "sinks", {})  # a TrackerApp's
        sink = sinks.get(tp.topic)
        if sink is not None:
            return _SinkHandler(self.app, tp, sink)
        return super()._build_handler(tp, channels)


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer
    Conductor = _Conductor


class TrackerApp(faust.App):
    """The Faust app on the transport above (for `kafka://` brokers), with the ownership
    lease its heartbeats renew (see `streams.worker.fencing`)."""

    #: ``{topic: (partitions, compacted)}`` the worker creates before it consumes anything.
    topic_layout: Mapping[str, tuple[int, bool]] = {}
    #: The longest wait of the worker's fetch (``TRACKER_FETCH_WAIT_MS``).
    fetch_wait_ms: int = FETCH_MAX_WAIT_MS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ownership = Ownership(self.conf.broker_session_timeout)
        #: topic -> where its messages go instead of a stream (`register_sink`)
        self.sinks: dict[str, Sink] = {}

    async def on_first_start(self) -> None:
        """Set the garbage collector for the ties the worker will hold (`streams.heap`;
        here, so that `faust -A streams.app worker` gets it too), then create every topic
        the worker reads or writes with the documented layout, so a bare worker on a fresh
        broker does not leave them to the broker's defaults (wrong partition counts; an
        uncompacted `tie-scores` on Apache Kafka)."""
        hold_many_ties()
        await super().on_first_start()
        if self.topic_layout:
            from streams.kafka.admin import create_topics  # the worker's only admin call

            bootstrap = bootstrap_of(str(self.conf.broker[0]))
            created = await create_topics(bootstrap, self.topic_layout)
            if created:
                self.log.info("created topics: %s", ", ".join(sorted(created)))

    def _new_transport(self) -> Any:
        return Transport(self.conf.broker_consumer, self)
