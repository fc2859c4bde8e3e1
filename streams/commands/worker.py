"""`tracker worker [FAUST WORKER OPTIONS]`: a Faust worker folding `match-events`, configured
from the environment (README, "Worker settings"); the same as `python -m streams worker`
and `faust -A streams.app worker`.

Examples:
  tracker worker -l info
  TRACKER_WEB_PORT=6067 tracker worker -l info      # a second worker on this host
  KAFKA_BROKER=kafka://kafka:9092 tracker worker -l info --web-port 6068
"""

from __future__ import annotations

import sys

from streams.config import Settings
from streams.errors import BadSetting


def main(argv: list[str] | None = None, prog: str = "tracker worker") -> int:
    """Faust's own ``worker`` command (its flags, its help) on :data:`streams.app.app`."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
    try:
        Settings.from_env()  # what the app reads when it is imported, named if it is wrong
    except BadSetting as error:
        print(f'{prog}: {error} (README, "Worker settings")', file=sys.stderr)
        return 2
    from streams.app import app

    sys.argv = [sys.argv[0], "worker", *args]  # Faust reads them, and names itself after [0]
    app.main()  # never returns: Faust's command line exits
    return 0
