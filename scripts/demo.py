"""The live demo: the seed tie (LAFC v Inter Miami, CONCACAF Champions Cup 2025) told
minute by minute.

`python3 scripts/demo.py` is `tracker demo`: the same flags (`--help` lists them with
examples); the code is in `streams/commands/`. Sets up .venv on first use (see
scripts/environment.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.environment import run_command

if __name__ == "__main__":
    sys.exit(run_command("demo", in_project_env=True))
