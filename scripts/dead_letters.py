"""Show what the worker refused: the `dead-letters` topic, one entry per refused message.

`python3 scripts/dead_letters.py` is `tracker dead-letters`: the same flags (`--help` lists
them with examples); the code is in `streams/commands/`. Sets up .venv on first use (see
scripts/environment.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.environment import run_command

if __name__ == "__main__":
    sys.exit(run_command("dead-letters"))
