"""Feed match events (JSON Lines files, - for stdin, or a provider's match) into `match-events`.

`python3 scripts/produce.py` is `tracker produce`: the same flags (`--help` lists them with
examples); the code is in `streams/commands/`. Sets up .venv on first use (see
scripts/environment.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.environment import run_command

if __name__ == "__main__":
    sys.exit(run_command("produce"))
