"""The web service as a child process (demo, tests, benchmark)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from streams.commands.web import READY_PREFIX
from streams.errors import ProcessFailed
from streams.local.processes import HOST, ChildProcess


class WebProcess(ChildProcess):
    """`python -m streams web`, its output in a log file; stopped by :meth:`stop`, and
    killed by the kernel if its parent dies first.

    ``port=0`` lets the service pick a free port; :meth:`wait_ready` returns the URL."""

    def __init__(
        self,
        broker: str,
        *,
        host: str = HOST,
        port: int = 0,
        topic_prefix: str = "",
        max_clients: int | None = None,
        log_path: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(log_path, stop_timeout=15.0)
        self.broker = broker
        self.host = host
        self.port = port
        self.topic_prefix = topic_prefix
        self.max_clients = max_clients
        self.env = dict(env or {})
        self.url: str | None = None
        self._log_start = 0

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "streams", "web", "--host", self.host]
        command += ["--port", str(self.port), "--broker", self.broker]
        command += ["--topic-prefix", self.topic_prefix]
        if self.max_clients is not None:
            command += ["--max-clients", str(self.max_clients)]
        return command

    def start(self) -> WebProcess:
        self.url = None
        self._log_start = len(self.log())  # a restart appends to the same log
        self.spawn(self.command(), {**os.environ, **self.env}, append=True)
        return self

    def wait_ready(self, timeout: float = 30.0) -> str:
        """The URL once the service listens; raises with the log's tail otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            for line in self.log()[self._log_start :].splitlines():
                if line.startswith(READY_PREFIX):
                    self.url = line[len(READY_PREFIX) :].split()[0]
                    self.port = int(self.url.rsplit(":", 1)[1])
                    return self.url
            if self.process is not None and self.process.poll() is not None:
                raise ProcessFailed(f"web service exited early; its log ends:\n{self.log_tail()}")
            time.sleep(0.1)
        raise ProcessFailed(f"web service not ready in {timeout:.0f}s; log:\n{self.log_tail()}")
