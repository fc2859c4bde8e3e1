"""Replay a tie: re-fold its events with the worker's own fold, at any minute.

`python3 scripts/replay.py` is `tracker replay`: the same flags (`--help` lists them with
examples); the code is in `streams/commands/`. Sets up .venv on first use (see
scripts/environment.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.environment import run_command

if __name__ == "__main__":
    sys.exit(run_command("replay"))
