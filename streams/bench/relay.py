"""The latency row's floor: a plain aiokafka consumer -> producer relay, in a process of its
own as the worker is, with the worker's fetch wait, acks and linger, and nothing else: no
fold, no Faust, one message out per message in.

`python -m streams.bench.relay BOOTSTRAP SOURCE SINK` relays until SIGTERM; it prints
:data:`READY` once its consumer is assigned partitions. The benchmark feeds it the latency
row's events at the latency row's rate (`streams.bench.measurements.measure_relay_latency`):
what two hops through this broker cost on this machine with Python's Kafka client, which no
worker built on it can beat.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid

from streams.kafka.clients import consuming, producing

READY = "relay: ready"


async def relay(bootstrap: str, source: str, sink: str) -> None:
    group = f"bench-relay-{uuid.uuid4().hex[:6]}"
    options = {"group_id": group, "enable_auto_commit": True}
    async with (
        consuming(bootstrap, source, **options) as consumer,
        # As the worker's outputs producer (streams.worker.agents).
        producing(bootstrap, acks="all", linger_ms=0) as producer,
    ):
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        print(READY, flush=True)
        while True:
            batches = await consumer.getmany(timeout_ms=1000)
            sent = [
                await producer.send(sink, key=record.key, value=record.value)
                for records in batches.values()
                for record in records
            ]
            await asyncio.gather(*sent)  # as the worker waits for its outputs' acks


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m streams.bench.relay BOOTSTRAP SOURCE SINK", file=sys.stderr)
        return 2
    bootstrap, source, sink = args
    loop = asyncio.new_event_loop()
    task = loop.create_task(relay(bootstrap, source, sink))
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        pass
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
