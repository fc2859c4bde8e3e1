"""Reading a live stream (Server-Sent Events) with aiohttp: for the benchmark, the tests and
any Python client of the web service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class ServerEvent:
    """One dispatched event (``event`` defaults to ``message``), or a comment line such as the
    heartbeat (``event`` is ``comment`` and ``data`` its text)."""

    event: str
    data: str
    id: str | None = None


async def server_events(response: aiohttp.ClientResponse) -> AsyncIterator[ServerEvent]:
    """The events of an open ``text/event-stream`` response until the server ends it."""
    event, data, last_id = "message", list[str](), None
    while True:
        raw = await response.content.readline()
        if not raw:
            return
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                yield ServerEvent(event, "\n".join(data), last_id)
            event, data = "message", []
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if not name:
            yield ServerEvent("comment", value)
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            last_id = value
