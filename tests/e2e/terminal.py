"""A program on a pseudo-terminal, as a person runs it: stdout is a tty (so rich draws its live
views), and Ctrl-C goes through the terminal to the program's process group."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Terminal:
    """``Terminal(command).start()``, then :meth:`read_until`, :meth:`press_ctrl_c` and
    :meth:`finish`. Every wait has a limit, so a program that hangs fails the test."""

    def __init__(
        self, command: Sequence[str], *, cwd: Path, columns: int = 160, rows: int = 50
    ) -> None:
        self.command = list(command)
        self.cwd = cwd
        self.size = struct.pack("HHHH", rows, columns, 0, 0)
        self.output = b""
        self.process: subprocess.Popen[bytes] | None = None
        self._master = -1

    def start(self) -> Terminal:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, self.size)

        def controlling_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            self.command,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=self.cwd,
            preexec_fn=controlling_terminal,
            env={
                **{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")},
                "TERM": "xterm-256color",
            },
        )
        os.close(slave)
        self._master = master
        return self

    @property
    def text(self) -> str:
        """Everything the program wrote, escape sequences removed."""
        return _ANSI.sub(b"", self.output).decode("utf-8", "replace")

    def _read(self, wait: float) -> bool:
        """Read what is there within ``wait`` seconds; False once the program's side closed."""
        ready, _, _ = select.select([self._master], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self._master, 65536)
        except OSError:  # EIO: every copy of the terminal's other side is closed
            return False
        self.output += data
        return bool(data)

    def read_until(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if time.monotonic() > deadline or not self._read(0.5):
                raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.text}")
        return self.text

    def press_ctrl_c(self) -> None:
        os.write(self._master, b"\x03")

    def finish(self, timeout: float) -> tuple[int, str]:
        """The exit code and the whole output, once the program ended by itself."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while self._read(0.5):
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"still running after {timeout:g}s:\n{self.text[-3000:]}")
        code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self._master)
        return code, self.text
