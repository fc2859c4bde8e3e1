"""What sharing this machine's cores does to CPU seconds.

The same pure-Python work is timed alone, then as two copies at once, one for each core.
On a virtual machine whose two cores are two halves of one physical core (as on the one
these figures were first taken on), a copy beside another spends more CPU seconds on the
same work. The two-worker efficiency row compares the CPU seconds of one busy worker with
those of two busy at once, so it is read against this figure: an efficiency as low as this
one would be the machine's, not the code's.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from streams.errors import ProcessFailed

#: Its own CPU seconds over a fixed loop of dict updates (the fold's kind of work), printed.
_WORK = """
import resource, sys
def used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
counts = {}
start = used()
for i in range(int(sys.argv[1])):
    counts[i & 4095] = counts.get((i * 7) & 4095, 0) + 1
print(used() - start)
"""


async def _cpu_seconds_of_copies(copies: int, loops: int) -> list[float]:
    """Start ``copies`` of the work at once; each one's CPU seconds."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORK,
            str(loops),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(copies)
    ]
    outcomes = await asyncio.gather(*(process.communicate() for process in processes))
    seconds = []
    for process, (out, err) in zip(processes, outcomes, strict=True):
        if process.returncode != 0:
            raise ProcessFailed(f"the core-sharing work failed: {err.decode()[-500:]}")
        seconds.append(float(out))
    return seconds


async def measure_core_sharing(loops: int = 3_000_000, rounds: int = 2) -> dict[str, Any]:
    """CPU seconds of the work alone and beside a copy (the least of ``rounds`` each,
    alternating), and ``efficiency``: alone / beside a copy, 1.0 where cores share nothing."""
    alone: list[float] = []
    beside: list[float] = []
    for _ in range(rounds):
        alone += await _cpu_seconds_of_copies(1, loops)
        beside += await _cpu_seconds_of_copies(2, loops)
    return {
        "loops": loops,
        "alone_cpu_s": min(alone),
        "beside_a_copy_cpu_s": min(beside),
        "efficiency": min(alone) / min(beside),
        "passes": {"alone": alone, "beside_a_copy": beside},
    }
