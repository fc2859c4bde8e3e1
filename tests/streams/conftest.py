"""Broker fixtures: one embedded Tansu broker for the whole session, or $KAFKA_BROKER."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from streams.broker import EmbeddedBroker


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    """``kafka://HOST:PORT`` of the broker the tests use: ``$KAFKA_BROKER`` if set, else an
    embedded broker started once for the session and stopped at its end."""
    configured = os.environ.get("KAFKA_BROKER")
    if configured:
        yield configured if "://" in configured else f"kafka://{configured}"
        return
    with EmbeddedBroker() as broker:
        yield broker.url
