"""Topics on the broker: created with the product's layout, idempotently."""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka.admin import NewTopic
from aiokafka.errors import for_code

from streams.errors import TopicLayoutConflict
from streams.kafka.clients import administering

_TOPIC_ALREADY_EXISTS = 36


async def create_topics(
    bootstrap: str,
    layout: Mapping[str, tuple[int, bool]],
    *,
    timeout: float = 15.0,
) -> list[str]:
    """Create the missing topics of ``{name: (partitions, compacted)}`` (compacted means
    ``cleanup.policy=compact``); returns the names created. Idempotent, and safe against a
    concurrent creator. Raises :class:`TopicLayoutConflict` if an existing topic has another
    partition count."""
    async with administering(bootstrap, timeout=timeout) as admin:
        existing = set(await admin.list_topics())
        present = [name for name in layout if name in existing]
        if present:
            wrong = {
                topic["topic"]: len(topic["partitions"])
                for topic in await admin.describe_topics(present)
                if len(topic["partitions"]) != layout[topic["topic"]][0]
            }
            if wrong:
                raise TopicLayoutConflict(
                    "topics exist with other partition counts: "
                    + ", ".join(f"{n} has {p}, want {layout[n][0]}" for n, p in wrong.items())
                )
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if compacted else {},
            )
            for name, (partitions, compacted) in layout.items()
            if name not in existing
        ]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        created = []
        for name, code, *_ in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != _TOPIC_ALREADY_EXISTS:
                raise for_code(code)(f"cannot create topic {name}")
        return created
