"""Whether the broker answers: a probe before a script starts, a watch while it works, and one
clear error naming the broker and how to start one when nothing answers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable
from typing import TypeVar

from streams.config import MAX_PORT, bootstrap_of
from streams.errors import BrokerRefused, BrokerUnavailable, InvalidBrokerAddress

T = TypeVar("T")


def addresses(url: str) -> list[tuple[str, int]]:
    """``[(host, port)]`` of a bootstrap URL such as ``kafka://a:9092,b:9092``."""
    found = []
    for part in bootstrap_of(url).split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit():
            raise InvalidBrokerAddress(
                f"not a broker address: {part!r} (expected HOST:PORT) in {url!r}"
            )
        if not 0 < int(port) <= MAX_PORT:
            raise InvalidBrokerAddress(f"port {port} is not 1-{MAX_PORT} in {url!r}")
        found.append((host.strip("[]"), int(port)))
    return found


#: An ApiVersions request (key 18, version 0), correlation id 1, client id "probe": every
#: Kafka broker answers it, before any other request.
_API_VERSIONS = struct.pack(">ihhih5s", 2 + 2 + 4 + 2 + 5, 18, 0, 1, 5, b"probe")


async def _kafka_answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
) -> str | None:
    """None when the other end answers an ApiVersions request as a Kafka broker does;
    otherwise what it did instead."""
    writer.write(_API_VERSIONS)
    try:
        head = await asyncio.wait_for(reader.readexactly(8), timeout)
    except TimeoutError:
        return f"did not answer a Kafka request in {timeout:g}s"
    except (asyncio.IncompleteReadError, OSError):
        return "closed the connection at a Kafka request"
    size, correlation = struct.unpack(">ii", head)
    if correlation != 1 or not 0 < size < 1024 * 1024:
        return f"answered a Kafka request with {head!r}..., not as a Kafka broker does"
    return None


async def why_unreachable(url: str, timeout: float = 2.0, *, as_kafka: bool = False) -> str | None:
    """None when some bootstrap address accepts a TCP connection (and, ``as_kafka``,
    answers a Kafka request); otherwise why none did. A server of another kind there (a web
    server on the port) made the Kafka client try for its whole request timeout, 40 s."""
    reasons = []
    for host, port in addresses(url):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except ConnectionRefusedError:
            reasons.append("connection refused")
        except TimeoutError:
            reasons.append(f"no answer in {timeout:g}s")
        except socket.gaierror as error:
            reasons.append(f"unknown host {host!r}: {error.strerror}")
        except OSError as error:
            reasons.append(error.strerror or type(error).__name__)
        else:
            try:
                wrong = await _kafka_answer(reader, writer, timeout) if as_kafka else None
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            if wrong is None:
                return None
            reasons.append(f"something listens at {host}:{port} but {wrong}")
    return "; ".join(dict.fromkeys(reasons))


async def require_broker(url: str, *, pointer: str = "--broker / KAFKA_BROKER") -> None:
    """Raise :class:`BrokerUnavailable` unless the broker at ``url`` accepts connections
    (``pointer``: how the command is told where a broker is, for the message)."""
    why = await why_unreachable(url, as_kafka=True)
    if why is not None:
        raise BrokerUnavailable(url, why, pointer=pointer)


async def while_broker_answers(
    url: str, work: Awaitable[T], *, every: float = 1.0, misses: int = 2
) -> T:
    """Run ``work``; if the broker stops accepting connections ``misses`` checks in a row
    (about ``every * misses`` seconds), cancel it and raise :class:`BrokerUnavailable`.

    Kafka clients retry a vanished broker for their whole request timeout (40 s by default),
    logging every attempt; this gives up within a few seconds instead."""
    task = asyncio.ensure_future(work)
    missed = 0
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                try:
                    return task.result()
                except BrokerRefused:  # the client's error may be the broker going away
                    why = await why_unreachable(url, timeout=every)
                    if why is None:
                        raise
                    raise BrokerUnavailable(url, why, was_up=True) from None
            why = await why_unreachable(url, timeout=every)
            missed = 0 if why is None else missed + 1
            if why is not None and missed >= misses:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                raise BrokerUnavailable(url, why, was_up=True)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
