"""Shared fixtures: the seed tie's match files and their events, and the session broker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.local.broker import EmbeddedBroker
from tests.seed import SEED_FILES, load_events
from tracker import MatchEvent


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return SEED_FILES


@pytest.fixture(scope="session")
def seed_events() -> list[MatchEvent]:
    return load_events(*SEED_FILES)


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
