"""The seed tie, as every test uses it: LAFC v Inter Miami, CONCACAF Champions Cup 2025
quarterfinal (LAFC 1-0 Inter Miami, then Inter Miami 3-1 LAFC: Inter Miami through 3-2 on
aggregate), its id, its match files and its events."""

from __future__ import annotations

from pathlib import Path

from streams.codecs import encode_event
from tracker import MatchEvent, parse_event

ROOT = Path(__file__).resolve().parent.parent
MATCHES = ROOT / "scripts" / "matches"
SEED_TIE = "2025-concacaf-qf-lafc-inter-miami"
#: Leg 1 (LAFC at home), then leg 2 (Inter Miami at home).
SEED_FILES = [MATCHES / f"{SEED_TIE}-leg1.jsonl", MATCHES / f"{SEED_TIE}-leg2.jsonl"]


def load_events(*paths: Path) -> list[MatchEvent]:
    return [parse_event(line) for path in paths for line in path.read_bytes().splitlines() if line]


def seed_as(events: list[MatchEvent], tie_id: str) -> list[MatchEvent]:
    """The seed tie's events as tie ``tie_id`` (its matches and event ids renamed alike), so
    tests sharing a worker do not share a tie."""
    old, new = SEED_TIE.encode(), tie_id.encode()
    return [parse_event(encode_event(event).replace(old, new)) for event in events]
