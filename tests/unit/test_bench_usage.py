"""The benchmark reads CPU seconds and memory of worker processes from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from streams.bench.usage import cpu_seconds, listening_pid, memory_mib

#: A child that spends some CPU, says so, and waits to be stopped.
BUSY_THEN_WAIT = "sum(range(3_000_000)); print('done', flush=True); input()"


def test_a_process_cpu_seconds_include_its_living_childrens():
    parent = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" -c "{BUSY_THEN_WAIT}"; exit'],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == "done\n"
        [child] = [
            int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _parent(pid) == parent.pid
        ]
        spent = cpu_seconds(child)
        assert spent > 0
        assert cpu_seconds(parent.pid) >= spent
    finally:
        parent.kill()
        parent.wait()


def test_a_process_that_is_gone_has_no_cpu_seconds_and_no_memory():
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert cpu_seconds(gone.pid) == 0.0
    assert memory_mib(gone.pid) == {"rss": 0.0, "peak": 0.0}


def test_the_memory_of_a_running_process_is_resident_now_and_at_its_peak():
    memory = memory_mib(os.getpid())
    assert 0 < memory["rss"] <= memory["peak"]


def _parent(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[1])


def test_the_process_listening_on_a_port_is_found_by_the_port():
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        assert listening_pid(port) == os.getpid()
    assert listening_pid(port) is None
