"""Faust's aiokafka transport with three changes: a short fetch wait, heartbeats that renew
the worker's ownership lease (`streams.worker.fencing`), and no false stall alarms for changelogs.

Faust builds its consumer with `fetch_max_wait_ms=1500`; on Tansu every update would wait up
to 1.5 s, so the worker's consumer gets the same short wait as every other client here
(:data:`streams.kafka.clients.FETCH_MAX_WAIT_MS`, where the measurement is).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.config import bootstrap_of
from streams.kafka.clients import FETCH_MAX_WAIT_MS
from streams.worker.fencing import Ownership

#: A healthy broker lets the consumer leave its group in well under a second.
CONSUMER_STOP_TIMEOUT = 5.0


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts
        return consumer

    async def on_thread_stop(self) -> None:
        """Stop the consumer, but not for ever and never by raising: with its broker gone,
        aiokafka's stop raised NodeNotReadyError or hung, and the worker took 40-80 s to obey
        SIGTERM."""
        try:
            await asyncio.wait_for(super().on_thread_stop(), CONSUMER_STOP_TIMEOUT)
        except (Exception, asyncio.CancelledError) as error:  # a thread that raises here never
            # says it has shut down, and the worker waits 60 s for it (mode's stop timeout)
            self.log.warning("consumer stopped uncleanly (broker unreachable?): %r", error)

    def verify_event_path(self, now: float, tp: Any) -> None:
        """Faust's stall monitor expects a stream behind every acking topic, so after
        `stream_processing_timeout` (5 min) it logged "Stream has not started processing" for
        the table's changelog every 2.5 s on a healthy worker (faust-streaming #166/#177):
        a changelog is read by the table's recovery, so it gets the recovery's checks."""
        if tp.topic in self.app.tables.changelog_topics:
            self.verify_recovery_event_path(now, tp)
            return
        super().verify_event_path(now, tp)

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


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class TrackerApp(faust.App):
    """The Faust app on the transport above (for `kafka://` brokers), with the ownership
    lease its heartbeats renew (see `streams.worker.fencing`)."""

    #: ``{topic: (partitions, compacted)}`` the worker creates before it consumes anything.
    topic_layout: Mapping[str, tuple[int, bool]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ownership = Ownership(self.conf.broker_session_timeout)

    async def on_first_start(self) -> None:
        """Create every topic the worker reads or writes with the documented layout, so a
        bare worker on a fresh broker does not leave them to the broker's defaults (wrong
        partition counts; an uncompacted `tie-scores` on Apache Kafka)."""
        await super().on_first_start()
        if self.topic_layout:
            from streams.kafka.admin import create_topics  # the worker's only admin call

            bootstrap = bootstrap_of(str(self.conf.broker[0]))
            created = await create_topics(bootstrap, self.topic_layout)
            if created:
                self.log.info("created topics: %s", ", ".join(sorted(created)))

    def _new_transport(self) -> Any:
        return Transport(self.conf.broker_consumer, self)
