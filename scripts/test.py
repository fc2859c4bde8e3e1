"""Run every check the project has: lint, format, types and the whole test suite.

Sets up .venv on first use (see scripts/environment.py). Extra arguments go to pytest, e.g.
`python3 scripts/test.py tests/unit -x` or `python3 scripts/test.py -m slow`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from environment import ROOT, ensure_chromium, ensure_docker_compose, ensure_project_env


def main(argv: list[str] | None = None) -> int:
    ensure_project_env()
    ensure_docker_compose()
    ensure_chromium()
    args = sys.argv[1:] if argv is None else argv
    python = sys.executable
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
