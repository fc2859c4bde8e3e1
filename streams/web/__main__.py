"""`python -m streams web`: the web scoreboard and HTTP API, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from streams.config import add_broker_argument
from streams.web.server import DEFAULT_HOST, DEFAULT_MAX_CLIENTS, DEFAULT_PORT, running_web

#: Printed once listening; :class:`streams.web.launcher.WebProcess` waits for it.
READY_PREFIX = "web: serving on "


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m streams web",
        description="A live scoreboard page and a read-only HTTP API over tie-scores and "
        "moments (routes: /, /ties/ID, /api/ties, /api/ties/ID[?at=61], /api/ties/ID/moments, "
        "/api/ties/ID/events, /healthz, /metrics).",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="0 picks a free port (default %(default)s)"
    )
    add_broker_argument(parser)
    parser.add_argument(
        "--topic-prefix",
        default=os.environ.get("TRACKER_TOPIC_PREFIX", ""),
        help="read <prefix>tie-scores and <prefix>moments (env TRACKER_TOPIC_PREFIX; "
        "'replay.' for re-streamed ties)",
    )
    parser.add_argument(
        "--max-clients",
        type=int,
        default=DEFAULT_MAX_CLIENTS,
        help="live streams served at once; more get 503 (default %(default)s)",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_web(
        args.broker,
        host=args.host,
        port=args.port,
        topic_prefix=args.topic_prefix,
        max_clients=args.max_clients,
    ) as web:
        print(f"{READY_PREFIX}{web.url} (broker {args.broker})", flush=True)
        await stop.wait()
        print("web: stopping", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args))
    except OSError as error:
        print(f"web: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
