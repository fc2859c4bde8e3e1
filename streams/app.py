"""Builds the Faust app from the settings; `faust -A streams.app worker` runs it."""

from __future__ import annotations

from pathlib import Path

from streams.config import Settings
from streams.kafka.clients import MAX_FETCH_BYTES
from streams.topics import TopicNames
from streams.worker.tables import changelog_topic_name
from streams.worker.transport import TrackerApp


def create_app(settings: Settings, *, autodiscover: bool = True) -> TrackerApp:
    """The Faust app with the product's settings: fast group joins on small brokers,
    at-least-once processing (the fold is idempotent), raw bytes on the wire. Without
    ``autodiscover`` it has none of the worker's agents (the benchmark's bare agent)."""
    Path(settings.datadir).parent.mkdir(parents=True, exist_ok=True)
    app = TrackerApp(
        settings.app_id,
        broker=settings.broker,
        store=settings.store,
        datadir=settings.datadir,
        autodiscover=["streams.worker.agents"] if autodiscover else False,
        origin="streams",
        topic_partitions=settings.partitions,
        topic_allow_declare=True,
        topic_disable_leader=True,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
        broker_session_timeout=settings.session_timeout,
        broker_rebalance_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_commit_interval=settings.commit_interval,
        web_enabled=settings.web_enabled,
        web_port=settings.web_port,
        web_host="127.0.0.1",
        web_bind="127.0.0.1",  # Faust's default is every interface; loopback unless told
        stream_wait_empty=False,
        # Faust compares the changelog offset its recovery reached with the broker's end
        # offset and crashes the worker when it is higher; Tansu's end offsets are too low
        # once producers batch, so a worker crashed on its second rebalance (seen in the
        # chaos loop). The table's completeness never rests on that check: the processor
        # catches up from its own marks (see streams/processor.py).
        recovery_consistency_check=False,
        stream_processing_timeout=settings.stall_timeout,
        # Tie states are kilobytes: with Faust's 16 KiB batches every update would wait for
        # the previous one's round trip (aiokafka keeps one batch in flight per partition).
        producer_max_batch_size=512 * 1024,
        producer_max_request_size=4 * 1024 * 1024,
        # Fetch any message a producer may send (up to its own 1-8 MiB limits), so even an
        # oversized one reaches the processor and ends in dead-letters, never stalls.
        consumer_max_fetch_size=MAX_FETCH_BYTES,
        # No linger: a run's outputs are sent in one burst before the sender runs, so they
        # share batches anyway, and the processor awaits each partition's publish in turn,
        # so every millisecond of linger was paid once per partition of a run.
        producer_linger=0.0,
    )
    app.fetch_wait_ms = settings.fetch_wait_ms
    app.topic_layout = {
        **TopicNames(settings.topic_prefix).layout(settings.partitions),
        changelog_topic_name(app.conf.id): (settings.partitions, True),
    }
    return app


settings = Settings.from_env()
app = create_app(settings)
