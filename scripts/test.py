"""Run every check the project has: lint, format, types and the whole test suite.

usage: python3 scripts/test.py [PYTEST ARGUMENTS...]

Runs, in order, stopping at the first that fails: ruff check, ruff format --check, mypy, and
pytest with the arguments given (the whole suite without slow tests when there are none).
Sets up .venv on first use (see scripts/environment.py); TRACKER_VENV picks another venv.

Examples:
  python3 scripts/test.py                    # everything, in 3 pytest processes (7-13 min)
  python3 scripts/test.py tests/unit -x      # the pure domain only, stop at the first failure
  python3 scripts/test.py -m slow            # the long kill loop
  python3 scripts/test.py -- --help          # pytest's own help

Exit code: that of the first step that failed, else 0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.environment import ROOT, ensure_chromium, ensure_docker_compose, ensure_project_env


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if args[:1] == ["--"]:
        args = args[1:]
    ensure_project_env()
    ensure_docker_compose()
    ensure_chromium()
    python = sys.executable
    if not args:
        # The whole suite spends most of its time waiting (workers joining their group, kill
        # and restart loops), not computing: three pytest processes on two cores took it from
        # 19 min 19 s to 13 min 01 s here, all 345 tests passing. Arguments given run as given.
        args = ["-n", "3", "--dist", "worksteal"]
    steps = [
        [python, "-m", "ruff", "check", "."],
        [python, "-m", "ruff", "format", "--check", "."],
        [python, "-m", "mypy"],
        [python, "-m", "pytest", *args],
    ]
    for step in steps:
        print("+", " ".join(step[2:]), flush=True)
        code = subprocess.run(step, cwd=ROOT).returncode
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
