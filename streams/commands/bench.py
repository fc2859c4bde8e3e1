"""Measure the pipeline against the raw-client ceiling and its goals, in one run.

Fold rate in process; an aiokafka passthrough (the ceiling), before and after the first
worker pass; the Faust pipeline on a backlog with one worker and with two, two passes each,
alternating (wall clock, and CPU seconds per 1,000 events summed over the workers, from
/proc); latency at a steady live rate over many ties, and its floor (a bare aiokafka relay
under the same load); the memory of one worker holding many finished ties; a season replayed
from the log; the web service's fan-out (1,000 live-stream (SSE) clients on one tie fed at
10 events/s); a bare Faust agent (the framework's own ceiling); and the changelog bytes of
one dense match. Each row shows its goal and whether it was met; --json gives every figure,
the summary the goals judge, and the goals. Starts an embedded broker unless --broker is
given.

How long, measured on this project's 2-core machine (load average about 1 at the start):
  --quick  about 2.5 minutes  (100-tie backlog, 1,000 live ties, 2,000 finished ties)
  full     about 8 minutes    (1,000-tie backlog, 10,000 live ties, 100,000 finished ties;
                               the memory row's 800,000 events take nearly 3 of them)

Examples:
  python3 scripts/bench.py --quick
  python3 scripts/bench.py --json > bench.json
  python3 scripts/bench.py --broker kafka://127.0.0.1:9092

Worker logs go to a temporary folder, removed at the end unless the run failed (then it
says where they are).
Exit codes: 0 measured; 2 usage or broker errors, or a measurement failed; 130 interrupted.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from streams.bench.measurements import BenchSize, run_all
from streams.bench.report import Report, settings, table
from streams.commands import command_parser
from streams.commands.endings import DONE, INTERRUPTED, failed, run_script, say
from streams.errors import StreamsError
from streams.kafka.probe import require_broker
from streams.local.broker import EmbeddedBroker

PROG = "bench"


def main(argv: list[str] | None = None, prog: str = "tracker bench") -> int:
    parser = command_parser(prog, __doc__)
    parser.add_argument("--quick", action="store_true", help="a small run (see above)")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument("--broker", help="a Kafka bootstrap URL (default: an embedded broker)")
    args = parser.parse_args(argv)
    size = BenchSize.quick() if args.quick else BenchSize.full()
    log_dir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))

    def measure() -> int:
        load = os.getloadavg()
        broker = None if args.broker else EmbeddedBroker(log_path=log_dir / "tansu.log")
        try:
            if broker is None:
                asyncio.run(require_broker(args.broker))
                url: str = args.broker
            else:
                url = broker.start().url
            say(PROG, f"broker {url}; worker logs in {log_dir}")
            figures = asyncio.run(run_all(url, size, log_dir, lambda text: say(PROG, text)))
        except StreamsError as error:
            raise failed(error) from None
        finally:
            if broker is not None:
                broker.stop()
        report = Report(settings(size, url, "quick" if args.quick else "full", load), figures)
        if args.json:
            sys.stdout.buffer.write(report.to_json() + b"\n")
        else:
            from rich.console import Console

            Console().print(table(report))
        return 0

    code = run_script(PROG, measure)
    if code in (DONE, INTERRUPTED) or not any(log_dir.iterdir()):
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        say(PROG, f"logs kept in {log_dir}")
    return code
