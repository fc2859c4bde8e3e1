"""A Faust worker as a child process (demo, replay, benchmark, tests), configured by
:class:`streams.config.Settings`, which is the one place the worker's environment is made."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from streams.config import Settings
from streams.errors import ProcessFailed
from streams.local.processes import HOST, ChildProcess, free_port

READY_LINE = "Worker]: Ready"
WORKER_COMMAND = (sys.executable, "-m", "streams", "worker", "-l", "info")


class WorkerProcess(ChildProcess):
    """`python -m streams worker` with ``settings``, its log in ``log_path``; its table data
    beside the log unless the settings name a folder. Stopped by :meth:`stop`, and killed by
    the kernel if its parent dies first."""

    def __init__(self, settings: Settings, log_path: Path, *, web_port: int | None = None) -> None:
        super().__init__(log_path)
        if "datadir" not in settings.model_fields_set:
            settings = settings.replace(datadir=str(log_path.with_suffix(".data")))
        self.settings = settings
        self.web_port = web_port or free_port()

    def start(self) -> WorkerProcess:
        command = [*WORKER_COMMAND, "--web-host", HOST, "--web-port", str(self.web_port)]
        self.spawn(command, {**os.environ, **self.settings.environment()})
        return self

    def wait_ready(self, timeout: float = 90.0) -> float:
        """Seconds until the worker said it was ready; :class:`ProcessFailed` with the log's
        tail if it exited or did not say so in ``timeout`` seconds."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if READY_LINE in self.log():
                return time.monotonic() - started
            if self.process is not None and self.process.poll() is not None:
                raise ProcessFailed(f"worker exited early; its log ends:\n{self.log_tail()}")
            time.sleep(0.2)
        raise ProcessFailed(f"worker not ready in {timeout:.0f}s; log ends:\n{self.log_tail()}")
