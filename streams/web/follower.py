"""Following `tie-scores` and `moments` from the beginning into the web read model.

Waits for topics that do not exist yet, reads to the end the fetch responses report (the
fetch high watermark, never `end_offsets`: see DESIGN.md), then follows; a lost broker
connection starts the reading over, which the read model makes harmless (older versions
and known moments are ignored).
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams.kafka.follow import high_watermarks
from streams.topics import TopicNames
from streams.web.model import ReadModel
from streams.worker.transport import FETCH_MAX_WAIT_MS

log = logging.getLogger(__name__)


class TopicFollower:
    """Reads ``names.tie_scores`` and ``names.moments`` into ``model`` until cancelled."""

    def __init__(
        self,
        bootstrap: str,
        names: TopicNames,
        model: ReadModel,
        *,
        retry_seconds: float = 1.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.topics = (names.tie_scores, names.moments)
        self.model = model
        self.retry_seconds = retry_seconds
        self.phase = "starting"  # waiting_for_topics, catching_up, live
        self.is_broker_reachable = False
        self.restarts = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._last_metadata = 0.0

    async def run(self) -> None:
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError, TimeoutError) as error:
                self.is_broker_reachable = False
                self.restarts += 1
                log.warning("reading %s failed (%s); starting over", self.topics, error)
                await asyncio.sleep(self.retry_seconds)

    async def lag(self) -> dict[str, int]:
        """Records not yet read, per topic, by the latest fetch high watermarks."""
        behind = dict.fromkeys(self.topics, 0)
        consumer = self._consumer
        if consumer is None or self.phase not in ("catching_up", "live"):
            return behind
        for tp in self._partitions:
            high = consumer.highwater(tp)
            if high is None:
                continue
            try:
                position = await consumer.position(tp)
            except (KafkaError, AssertionError):  # not assigned any more: starting over
                continue
            behind[tp.topic] += max(0, high - position)
        return behind

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        self.phase = "starting"
        await consumer.start()
        self._consumer = consumer
        try:
            self.is_broker_reachable = True
            self._partitions = await self._wait_for_topics(consumer)
            consumer.assign(self._partitions)
            ends = await high_watermarks(consumer, self._partitions)
            await consumer.seek_to_beginning(*self._partitions)
            self.phase = "catching_up"
            pending = {tp: end for tp, end in ends.items() if end > 0}
            if not pending:
                self._caught_up()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=5_000)
                for tp, records in batches.items():
                    apply = self.model.apply_tie if tp.topic == self.topics[0] else None
                    for record in records:
                        if record.value is None:
                            continue
                        if apply is not None:
                            apply(record.value)
                        else:
                            self.model.apply_moment(record.value)
                if pending:
                    for tp in list(pending):
                        if await consumer.position(tp) >= pending[tp]:
                            del pending[tp]
                    if not pending:
                        self._caught_up()
                await self._check_broker(consumer)
        finally:
            self._consumer = None
            try:
                await asyncio.wait_for(consumer.stop(), 10)
            except TimeoutError:
                log.warning("the consumer of %s did not stop in 10s", self.topics)

    def _caught_up(self) -> None:
        self.phase = "live"
        if not self.model.is_caught_up:
            self.model.mark_caught_up()
            log.info("read model caught up: %d ties", len(self.model))

    async def _wait_for_topics(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        """The partitions of every topic, once they all exist (the worker creates them)."""
        self.phase = "waiting_for_topics"
        told: list[str] = []
        while True:
            found = {topic: consumer.partitions_for_topic(topic) for topic in self.topics}
            if all(found.values()):
                return [TopicPartition(t, p) for t in self.topics for p in sorted(found[t] or ())]
            missing = [topic for topic, parts in found.items() if not parts]
            if missing != told:
                log.info("waiting for topic(s) %s on %s", ", ".join(missing), self.bootstrap)
                told = missing
            await consumer.topics()  # raises when the broker is gone
            await consumer._client.force_metadata_update()  # as streams.kafka.follow does
            await asyncio.sleep(0.5)

    async def _check_broker(self, consumer: AIOKafkaConsumer, every: float = 5.0) -> None:
        """A metadata request every few seconds: the one sign that the broker still answers
        (an idle fetch and a dead broker both return nothing)."""
        now = time.monotonic()
        if now - self._last_metadata < every:
            return
        self._last_metadata = now
        try:
            await asyncio.wait_for(consumer.topics(), every)
            self.is_broker_reachable = True
        except (KafkaError, TimeoutError):
            self.is_broker_reachable = False
