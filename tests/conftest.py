"""Shared fixtures: the seed tie's match files and their events."""

from __future__ import annotations

from pathlib import Path

import pytest

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
