"""Measure the pipeline against the raw-client ceiling, side by side in one run.

Fold rate in process; an aiokafka passthrough (the ceiling); the Faust pipeline with one and
two workers; latency at a steady live rate over many ties, with the worker's memory; a
season replayed from the log; and the web service's fan-out: 1,000 live-stream (SSE) clients
on one tie fed at 10 events/s, from event produced to the update received by every client
(`sse_fanout_p99_ms` in --json). Starts an embedded broker unless --broker is given.

Examples:
  python3 scripts/bench.py --quick            # about a minute
  python3 scripts/bench.py --json > bench.json
  python3 scripts/bench.py --broker kafka://127.0.0.1:9092

Worker logs go to a temporary folder, removed at the end unless the run failed (then it
says where they are).
Exit codes: 0 measured; 2 usage or broker errors, or a measurement failed; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: inside the project's venv, from the project root
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from environment import ensure_project_env

    ensure_project_env(any_installed_python=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.bench.measurements import BenchSize, Report, run_all, settings, table
from streams.commands.endings import ScriptFailure, run_script, say
from streams.errors import BrokerUnavailable, StreamsError, describe
from streams.kafka.probe import require_broker
from streams.local.broker import EmbeddedBroker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument("--broker", help="a Kafka bootstrap URL (default: an embedded broker)")
    args = parser.parse_args(argv)
    size = BenchSize.quick() if args.quick else BenchSize.full()
    log_dir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))

    def measure() -> int:
        if args.broker:
            asyncio.run(require_broker(args.broker))
        broker = None if args.broker else EmbeddedBroker(log_path=log_dir / "tansu.log")
        try:
            url = args.broker or broker.start().url  # type: ignore[union-attr]
            say("bench", f"broker {url}; worker logs in {log_dir}")
            figures = asyncio.run(run_all(url, size, log_dir, lambda text: say("bench", text)))
        except BrokerUnavailable:
            raise
        except StreamsError as error:
            raise ScriptFailure(f"failed: {describe(error)}") from None
        finally:
            if broker is not None:
                broker.stop()
        report = Report(settings(size, url, "quick" if args.quick else "full"), figures)
        if args.json:
            sys.stdout.buffer.write(report.to_json() + b"\n")
        else:
            from rich.console import Console

            Console().print(table(report))
        return 0

    code = run_script("bench", measure)
    if code in (0, 130) or not any(log_dir.iterdir()):
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        say("bench", f"logs kept in {log_dir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
