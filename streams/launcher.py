"""Starting and stopping Faust workers as child processes (demo, replay, tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = "Worker]: Ready"
WORKER_COMMAND = (sys.executable, "-m", "streams", "worker", "-l", "info")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WorkerProcess:
    """`python -m streams worker` in its own process group, its log in a file; it dies with
    its parent's process group on Ctrl-C and is killed by :meth:`stop` otherwise."""

    def __init__(self, env: Mapping[str, str], log_path: Path, *, web_port: int | None = None):
        self.env = dict(env)
        self.log_path = log_path
        self.web_port = web_port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [*WORKER_COMMAND, "--web-host", "127.0.0.1", "--web-port", str(self.web_port)],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 90.0) -> float:
        """Seconds until the worker said it was ready; raises with the log tail otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if READY_LINE in self.log():
                return time.monotonic() - started
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; its log ends:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready in {timeout:.0f}s; log ends:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no goodbye to the group, no flush, no commit."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then SIGKILL if it has not stopped within ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
