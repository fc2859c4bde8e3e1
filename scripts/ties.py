"""The ties the tracker knows, with their status and version: `tracker ties`, as a script."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.environment import run_command

if __name__ == "__main__":
    sys.exit(run_command("ties"))
