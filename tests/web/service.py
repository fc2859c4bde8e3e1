"""Helpers for web tests: waiting on HTTP, reading streams (and the seed tie under another id)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from yarl import URL

from streams.web.client import ServerEvent, server_events
from tests.seed import seed_as


async def get_json(http: aiohttp.ClientSession, url: str | URL) -> tuple[int, Any]:
    async with http.get(url) as response:
        return response.status, await response.json(content_type=None)


async def wait_for_json(
    http: aiohttp.ClientSession,
    url: str,
    done: Callable[[int, Any], bool],
    timeout: float = 60.0,
) -> Any:
    """GET ``url`` until ``done(status, body)``; the last body, or TimeoutError."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status, body = await get_json(http, url)
        if done(status, body):
            return body
        if loop.time() > deadline:
            raise TimeoutError(f"{url} still answers {status} {str(body)[:300]}")
        await asyncio.sleep(0.1)


async def next_event(events: AsyncIterator[ServerEvent], timeout: float = 30.0) -> ServerEvent:
    return await asyncio.wait_for(anext(events), timeout)


async def next_event_of(
    events: AsyncIterator[ServerEvent], kinds: set[str], timeout: float = 30.0
) -> ServerEvent:
    """The next event whose kind is in ``kinds`` (others, such as heartbeats, skipped)."""
    while True:
        event = await next_event(events, timeout)
        if event.event in kinds:
            return event


__all__ = ["get_json", "next_event", "next_event_of", "seed_as", "server_events", "wait_for_json"]
