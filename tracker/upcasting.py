"""Old events to the current schema, where events are read (match files, the wire, table
records), so that an event log outlives changes to the models.

An event says its version in ``schema_version``; an event without it is version 1 (the
format before versions). Each upcaster turns a dict of version N into version N+1 and is
never edited once released. To change an event's fields:

1. raise :data:`EVENT_SCHEMA_VERSION` and change the model in `tracker/events.py`;
2. add ``_event_vN_to_vN1`` below and register it in :data:`EVENT_UPCASTERS`;
3. run ``python scripts/schema.py``; keep the frozen fixtures in `tests/fixtures/` green.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EVENT_SCHEMA_VERSION = 2

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _event_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 says how a goal counts (``kind``) apart from how it was struck
    (``body_part``): version 1's ``kind: header`` is an open-play goal with the head."""
    if data.get("type") == "goal_scored" and data.get("kind") == "header":
        return {**data, "kind": "open_play", "body_part": data.get("body_part") or "head"}
    return data


EVENT_UPCASTERS: dict[int, Upcaster] = {1: _event_v1_to_v2}


def event_version(data: dict[str, Any]) -> object:
    """The version an event dict says it has (1 when it says nothing)."""
    return data.get("schema_version", 1)


def upcast_event(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as an event of the current version. A version that is not a known older one
    is left for validation to name (a newer version means newer code is needed)."""
    version = event_version(data)
    if type(version) is not int or not 1 <= version < EVENT_SCHEMA_VERSION:
        return data
    while version < EVENT_SCHEMA_VERSION:
        data = EVENT_UPCASTERS[version](data)
        version += 1
    return {**data, "schema_version": version}
