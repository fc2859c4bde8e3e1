"""The Faust agent: `match-events` in, tie state table and update topics out."""

from __future__ import annotations

from typing import Any

from streams.app import app, settings
from streams.processor import Incoming, Outputs, TieProcessor
from streams.tables import tie_table
from streams.topics import TopicNames

names = TopicNames(settings.topic_prefix)
_topics = {
    name: app.topic(
        name,
        partitions=partitions,
        compacting=compacted,
        internal=True,
        key_serializer="raw",
        value_serializer="raw",
    )
    for name, (partitions, compacted) in names.layout(settings.partitions).items()
}
match_events = _topics[names.match_events]
ties = tie_table(app, settings.partitions)


async def _send(topic: str, key: bytes | None, value: bytes) -> None:
    await _topics[topic].send(key=key, value=value)


processor = TieProcessor(
    table=ties,
    send=_send,
    outputs=Outputs(
        tie_scores=names.tie_scores,
        match_updates=names.match_updates,
        moments=names.moments,
        dead_letters=names.dead_letters,
    ),
    bootstrap=settings.bootstrap,
    healing=settings.healing,
)


@app.agent(match_events, concurrency=1)
async def fold_match_events(stream: Any) -> None:
    """Each message, in partition order, through the processor (concurrency 1: Faust #606)."""
    async for event in stream.events():
        message = event.message
        await processor.handle(
            Incoming(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
                value=message.value,
            )
        )


@app.on_partitions_assigned.connect
async def _on_assigned(sender: Any, assigned: Any, **kwargs: Any) -> None:
    processor.forget_partitions()
