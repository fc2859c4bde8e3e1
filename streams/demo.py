"""The demo's orchestration: the seed tie told moment by moment (offline fold for now)."""

from __future__ import annotations

import argparse
from pathlib import Path

from streams.matchfiles import read_events
from streams.render import summary
from tracker import evolve, new_tie
from tracker.moments import moments

MATCHES = Path(__file__).resolve().parent.parent / "scripts" / "matches"
SEED_FILES = [
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg1.jsonl",
    MATCHES / "2025-concacaf-qf-lafc-inter-miami-leg2.jsonl",
]


def run_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="demo.py", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the final tie state as JSON")
    args = parser.parse_args(argv)
    sourced, errors = read_events(str(path) for path in SEED_FILES)
    for error in errors:
        print(error)
    tie = new_tie(sourced[0].event.tie_id)
    for item in sourced:
        after = evolve(tie, item.event)
        for moment in moments(tie, after, item.event):
            print(f"[leg {after.leg_for_match(item.event.match_id).leg}] {moment.text}")
        tie = after
    print(tie.to_json() if args.json else summary(tie))
    return 1 if errors else 0
