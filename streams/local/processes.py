"""Child processes started here: a free loopback port, and children in their own session
that log to a file, stop on request and die with their parent."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from streams.errors import ProcessFailed, map_exceptions

HOST = "127.0.0.1"
#: The project folder: children run from it, so `python -m streams` finds this code.
ROOT = Path(__file__).resolve().parents[2]
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A loopback port nothing listens on now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def is_port_free(port: int, host: str = HOST) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def die_with_parent(parent: int) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets SIGKILL when the thread that forked it dies, exits at
    once if the parent is already gone, and does not inherit blocked signals. Linux only: so
    a killed demo, test or script never leaves a broker or worker behind."""
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


class ChildProcess:
    """A command in its own session (a terminal's Ctrl-C reaches the Python parent, which
    stops it), its output in a log file; SIGKILLed by the kernel if its parent dies first
    (start it from a thread that lives as long as you need it, normally the main one)."""

    def __init__(self, log_path: Path | None, *, stop_timeout: float = 30.0) -> None:
        self.log_path = log_path
        self.stop_timeout = stop_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(
        self, command: Sequence[str], env: Mapping[str, str], *, append: bool = False
    ) -> None:
        """Start ``command`` with exactly ``env``, its output to :attr:`log_path` (appended
        to, or from empty)."""
        if self.log_path is None:
            raise ValueError("a child process needs a log file")
        with map_exceptions(
            {OSError: lambda error: ProcessFailed(f"cannot start {command[0]}: {error}")}
        ):
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("ab" if append else "wb") as log:
                self.process = subprocess.Popen(
                    list(command),
                    cwd=ROOT,
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=die_with_parent(os.getpid()) if sys.platform == "linux" else None,
                )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log()[-chars:]

    def kill(self) -> None:
        """SIGKILL to the whole session: no goodbye, no flush, no commit."""
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, then SIGKILL if it has not ended within ``timeout`` (default
        :attr:`stop_timeout`). Harmless when it is not running."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(self.stop_timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.kill()
