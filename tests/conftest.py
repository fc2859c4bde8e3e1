"""Shared fixtures: the seed tie's match files and their events, and the session broker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.local.broker import EmbeddedBroker
from tracker import MatchEvent, parse_event

ROOT = Path(__file__).resolve().parent.parent
MATCHES = ROOT / "scripts" / "matches"
SEED_FILES = [
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg1.jsonl",
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg2.jsonl",
]


def load_events(*paths: Path) -> list[MatchEvent]:
    return [parse_event(line) for path in paths for line in path.read_bytes().splitlines() if line]


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
