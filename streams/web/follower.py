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
from typing import Any

from streams.errors import StreamsError
from streams.kafka.clients import broker_errors, consumer, start_client
from streams.kafka.log import existing_partitions, high_watermarks
from streams.topics import TopicNames
from streams.web.model import ReadModel

log = logging.getLogger(__name__)
#: While reading keeps failing, it is said again this often.
SAY_AGAIN_SECONDS = 30.0


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
        self._consumer: Any = None
        self._partitions: list[Any] = []  # TopicPartition
        self._last_metadata = 0.0

    async def run(self) -> None:
        """Follow for ever, starting over a second after each failure. The first failure
        after the broker answered is logged; while it goes on failing, once in
        :data:`SAY_AGAIN_SECONDS` (it was a line a second for as long as the broker was away)."""
        failing: tuple[float, int] | None = None  # since when, and how many tries failed
        said = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except (StreamsError, OSError) as error:
                if self.is_broker_reachable or failing is None:
                    failing = (loop.time(), 0)
                self.is_broker_reachable = False
                self.restarts += 1
                since, tries = failing[0], failing[1] + 1
                failing = (since, tries)
                if tries == 1:
                    said = loop.time()
                    log.warning("reading %s failed (%s); starting over", self.topics, error)
                elif loop.time() - said >= SAY_AGAIN_SECONDS:
                    said = loop.time()
                    log.warning(
                        "reading %s still fails after %d tries in %.0f s (%s); starting over",
                        self.topics, tries, said - since, error,
                    )  # fmt: skip
                await asyncio.sleep(self.retry_seconds)

    async def lag(self) -> dict[str, int]:
        """Records not yet read, per topic, by the latest fetch high watermarks."""
        behind = dict.fromkeys(self.topics, 0)
        client = self._consumer
        if client is None or self.phase not in ("catching_up", "live"):
            return behind
        for tp in self._partitions:
            high = client.highwater(tp)
            if high is None:
                continue
            try:
                with broker_errors(self.bootstrap):
                    position = await client.position(tp)
            except (StreamsError, AssertionError):  # not assigned any more: starting over
                continue
            behind[tp.topic] += max(0, high - position)
        return behind

    async def _follow(self) -> None:
        client = consumer(self.bootstrap, max_partition_fetch_bytes=4 * 1024 * 1024)
        self.phase = "starting"
        await start_client(client, self.bootstrap)
        self._consumer = client
        try:
            with broker_errors(self.bootstrap):
                await self._read(client)
        finally:
            self._consumer = None
            try:
                await asyncio.wait_for(client.stop(), 10)
            except TimeoutError:
                log.warning("the consumer of %s did not stop in 10s", self.topics)

    async def _read(self, client: Any) -> None:
        """Catch up with the topics to their ends as of now, then follow them."""
        self.is_broker_reachable = True
        self._partitions = await self._wait_for_topics(client)
        client.assign(self._partitions)
        ends = await high_watermarks(client, self._partitions)
        await client.seek_to_beginning(*self._partitions)
        self.phase = "catching_up"
        pending = {tp: end for tp, end in ends.items() if end > 0}
        if not pending:
            self._caught_up()
        while True:
            batches = await client.getmany(timeout_ms=500, max_records=5_000)
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
                    if await client.position(tp) >= pending[tp]:
                        del pending[tp]
                if not pending:
                    self._caught_up()
            await self._check_broker(client)

    def _caught_up(self) -> None:
        self.phase = "live"
        if not self.model.is_caught_up:
            self.model.mark_caught_up()
            log.info("read model caught up: %d ties", len(self.model))

    async def _wait_for_topics(self, client: Any) -> list[Any]:
        """The partitions of every topic, once they all exist (the worker creates them)."""
        self.phase = "waiting_for_topics"
        told: list[str] = []
        while True:
            found = await existing_partitions(client, self.topics)  # raises: broker gone
            missing = [topic for topic in self.topics if topic not in {tp.topic for tp in found}]
            if not missing:
                return found
            if missing != told:
                log.info("waiting for topic(s) %s on %s", ", ".join(missing), self.bootstrap)
                told = missing
            await asyncio.sleep(0.5)

    async def _check_broker(self, client: Any, every: float = 5.0) -> None:
        """A metadata request every few seconds: the one sign that the broker still answers
        (an idle fetch and a dead broker both return nothing)."""
        now = time.monotonic()
        if now - self._last_metadata < every:
            return
        self._last_metadata = now
        try:
            with broker_errors(self.bootstrap):
                await asyncio.wait_for(client.topics(), every)
            self.is_broker_reachable = True
        except (StreamsError, TimeoutError):
            self.is_broker_reachable = False
