"""Run the scripts as a user runs them: as subprocesses of the project's Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The `tracker` console command of this Python's environment (pip installs it beside it).
TRACKER = Path(sys.executable).with_name("tracker")


def run_script(
    name: str,
    *args: str,
    stdin: bytes | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def run_tracker(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if not TRACKER.exists():
        pytest.fail(f"no {TRACKER}: install the project (pip install -e .) to get `tracker`")
    return subprocess.run(
        [str(TRACKER), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env
    )


@pytest.fixture
def script():
    return run_script
