"""The demo's web page as a user opens it: the URL the demo prints serves the page and the
seed tie live, from kick-off to the final whistle, then goes away with the demo."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import IO

import pytest

from streams.local.processes import free_port, is_port_free
from tests.e2e.conftest import ROOT
from tests.seed import SEED_TIE

pytestmark = pytest.mark.broker

#: Loopback only: a proxy from the environment must not stand in between.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def line_starting(stream: IO[str], prefix: str) -> tuple[str, list[str]]:
    """The first line of ``stream`` that starts with ``prefix``, and every line before it."""
    before: list[str] = []
    for line in stream:
        if line.startswith(prefix):
            return line.strip(), before
        before.append(line)
    raise AssertionError(f"no line starting {prefix!r}; the demo said:\n{''.join(before)}")


def tie_updates(url: str) -> Iterator[dict]:
    """The ``snapshot``'s tie (when there is one) and each ``tie`` event of a live stream,
    until the server ends it (a read waits at most a minute: heartbeats come every 15 s)."""
    with DIRECT.open(url, timeout=60) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        kind, data = "message", ""
        for raw in stream:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                kind = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data = line.partition(":")[2].strip()
            elif not line and data:
                body = json.loads(data)
                tie = body["tie"] if kind == "snapshot" else body if kind == "tie" else None
                if tie is not None:
                    yield tie
                kind, data = "message", ""


def test_the_demo_prints_its_page_which_shows_the_tie_live_to_the_end_then_goes_away(tmp_path):
    out = tmp_path / "stdout.txt"
    with socket.socket() as taken, out.open("w") as stdout:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        demo = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/demo.py"), "--speed", "900",
             "--port", str(free_port()), "--web-port", str(taken_port)],
            stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert demo.stderr is not None
            said, before = line_starting(demo.stderr, "demo: live page: ")
            moved = re.fullmatch(
                rf"demo: web port {taken_port} is taken; using (\d+)\n", before[-1]
            )
            assert moved, before
            base = f"http://127.0.0.1:{moved.group(1)}"
            page = f"{base}/ties/{SEED_TIE}"
            assert said == f"demo: live page: {page} (it stops with the demo)"
            assert not any("feeding" in line for line in before)
            assert out.read_text() == ""  # said before the match feed starts

            with DIRECT.open(page, timeout=30) as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/html")
                assert b'src="/static/app.js"' in response.read()

            updates = tie_updates(f"{base}/api/ties/{SEED_TIE}/events")
            first = next(updates, None)  # the tie as the page first shows it
            assert first is not None, "the live stream ended without the tie"
            assert first["tie_id"] == SEED_TIE
            assert first["teams"] == ["LAFC", "Inter Miami"]
            with DIRECT.open(f"{base}/api/ties/{SEED_TIE}", timeout=30) as got:
                state = json.load(got)
            assert state["tie_id"] == SEED_TIE
            assert state["version"] >= first["version"]
            seen = [first, *updates]
            # ...the stream ended by itself: the demo stopped its web service, once the final
            # whistle was on the page.
            assert [tie["version"] for tie in seen] == sorted(tie["version"] for tie in seen)
            assert seen[-1]["version"] == 22
            assert seen[-1]["winner"] == "Inter Miami"

            _, rest = demo.communicate(timeout=240)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
    assert demo.returncode == 0, rest[-3000:]
    assert "Winner: Inter Miami" in out.read_text()
    assert "Traceback" not in rest
    assert is_port_free(int(moved.group(1)))
    with pytest.raises(urllib.error.URLError):
        DIRECT.open(page, timeout=10)
