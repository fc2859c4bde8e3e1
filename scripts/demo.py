"""The live demo: the seed tie (LAFC v Inter Miami, CONCACAF Champions Cup 2025) told minute by
minute.

Sets up .venv on first use (see scripts/environment.py), then replays both legs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from environment import ROOT, ensure_project_env


def main(argv: list[str] | None = None) -> int:
    ensure_project_env()
    sys.path.insert(0, str(ROOT))
    from streams.clients.demo import run_demo

    return run_demo(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
