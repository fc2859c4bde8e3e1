"""What a process has used so far, read from /proc (Linux): CPU seconds and memory."""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (which may hold spaces):
    index 0 is field 3 (state) of proc(5)."""
    text = (_PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _descendants(pid: int) -> list[int]:
    """Living children, grandchildren... of ``pid``."""
    parents: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (all its threads), of its children it has waited
    for, and of its living descendants; 0.0 if it is gone."""
    ticks = 0
    for number, process in enumerate([pid, *_descendants(pid)]):
        try:
            fields = _stat_fields(process)
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of proc(5); the waited-for children's
        # share (cutime, cstime) only for the process itself, so nothing counts twice.
        ticks += int(fields[11]) + int(fields[12])
        if number == 0:
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int) -> dict[str, float]:
    """``rss`` (resident now) and ``peak`` (the high-water mark) of ``pid`` in MiB; zeros if
    it is gone."""
    found = {"rss": 0.0, "peak": 0.0}
    try:
        lines = (_PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found["rss" if name == "VmRSS" else "peak"] = int(value.split()[0]) / 1024
    return found


def listening_pid(port: int) -> int | None:
    """The process listening on TCP ``port`` on this machine (the broker, for its CPU), or
    None: nobody, or a process whose descriptors this user may not read."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{inode}]")
    for entry in _PROC.iterdir() if inodes else ():
        if not entry.name.isdigit():
            continue
        try:
            descriptors = list((entry / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in inodes:
                    return int(entry.name)
            except OSError:
                continue
    return None
