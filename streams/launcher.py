"""Starting and stopping Faust workers as child processes (demo, replay, tests)."""

from __future__ import annotations

import contextlib
import ctypes
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


def die_with_parent() -> None:
    """In a child before exec: ask Linux to SIGKILL it when its parent dies, so a killed
    demo, test or script never leaves a worker or broker behind."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WorkerProcess:
    """`python -m streams worker` in its own process group, its log in a file; stopped by
    :meth:`stop`, and killed by the kernel if its parent dies first."""

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
            preexec_fn=die_with_parent,
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
