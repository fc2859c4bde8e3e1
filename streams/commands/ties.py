"""List the ties the tracker knows, with their status and latest version.

Reads the compacted `tie-scores` topic from its beginning to its end (the fetch high
watermark) and keeps each tie's newest update: one line per tie with its status, version,
tonight's score and who goes through. --json prints one object per tie.

Examples:
  python3 scripts/ties.py
  python3 scripts/ties.py --status live
  python3 scripts/ties.py --json | jq -r 'select(.status == "finished") | .tie_id'

Exit codes: 0 listed (also when there are none); 2 usage or broker errors; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import orjson

from streams.clients.tielist import ListedTie, latest_ties
from streams.commands import command_parser
from streams.commands.endings import run_script, say
from streams.config import add_broker_argument, bootstrap_of
from streams.errors import TopicMissing
from streams.kafka.probe import require_broker, while_broker_answers
from streams.topics import REPLAY_PREFIX, TopicNames
from tracker import Status

PROG = "ties"


def build_parser(prog: str = "tracker ties") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    add_broker_argument(parser)
    parser.add_argument(
        "--status", choices=[status.value for status in Status], help="only ties in this status"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per tie")
    parser.add_argument(
        "--replay", action="store_true", help=f"list {REPLAY_PREFIX}tie-scores instead"
    )
    return parser


def as_json(listed: ListedTie) -> bytes:
    state = listed.state
    data = {
        "tie_id": listed.tie_id,
        "status": listed.status,
        "version": listed.version,
        "teams": list(state.teams) if state else None,
        "aggregate": state.aggregate if state else None,
        "advancing": state.advancing if state else None,
        "winner": state.winner if state else None,
        "legs": len(state.legs) if state else None,
        "partition": listed.partition,
        "offset": listed.offset,
    }
    if listed.problem:
        data["problem"] = listed.problem
    return orjson.dumps(data)


def print_ties(ties: list[ListedTie]) -> None:
    """A table on a terminal; one line per tie otherwise (for grep and friends)."""
    rows = [
        (t.tie_id, t.status, f"v{t.version}" if t.version is not None else "v?", _now(t))
        for t in ties
    ]
    if not sys.stdout.isatty():
        for row in rows:
            print("  ".join(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("tie", "status", "version", "now"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(highlight=False).print(table)


def _now(listed: ListedTie) -> str:
    """The tie's one-line view without its version (shown in its own column)."""
    return listed.line().split(" ", 1)[1] if listed.state is not None else listed.line()


async def list_ties(args: argparse.Namespace) -> int:
    await require_broker(args.broker)
    topic = TopicNames(REPLAY_PREFIX if args.replay else "").tie_scores
    try:
        ties = await latest_ties(bootstrap_of(args.broker), topic)
    except TopicMissing:
        say(PROG, f"no {topic} topic on {args.broker}: no worker has published there yet")
        return 0
    shown = [t for t in ties if args.status is None or t.status == args.status]
    if args.json:
        for listed in shown:
            sys.stdout.buffer.write(as_json(listed) + b"\n")
        sys.stdout.buffer.flush()
    elif shown:
        print_ties(shown)
    by_status = {s: sum(t.status == s for t in ties) for s in ("live", "scheduled", "finished")}
    counts = ", ".join(f"{n} {s}" for s, n in by_status.items() if n)
    say(PROG, f"{len(ties)} tie(s) in {topic} on {args.broker}" + (f": {counts}" if counts else ""))
    return 0


def main(argv: list[str] | None = None, prog: str = "tracker ties") -> int:
    args = build_parser(prog).parse_args(argv)
    return run_script(PROG, lambda: asyncio.run(while_broker_answers(args.broker, list_ties(args))))
