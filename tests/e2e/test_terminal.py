"""The scripts on a real (pseudo-)terminal, as a person runs them: live views, and Ctrl-C."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest

from streams.local.processes import free_port, is_port_free
from tests.e2e.conftest import ROOT
from tests.e2e.terminal import Terminal

pytestmark = pytest.mark.broker


def demo_on_a_terminal(*args: str) -> Terminal:
    command = [sys.executable, str(ROOT / "scripts/demo.py"), "--port", str(free_port()), *args]
    return Terminal(command, cwd=ROOT).start()


def logs_folder(text: str) -> Path:
    found = re.search(r"logs in (\S+)", text)
    assert found, text
    return Path(found.group(1))


def test_the_demo_on_a_terminal_shows_the_board_then_ends_by_itself_with_the_summary():
    terminal = demo_on_a_terminal("--speed", "900")
    code, text = terminal.finish(timeout=240)
    assert code == 0, text[-3000:]
    assert "Inter Miami go through, 3-2 on aggregate" in text
    assert "Inter Miami 3-2 LAFC (away goals 0-1)" in text  # the board names the teams
    assert "(away 0-1)" not in text
    assert "Winner: Inter Miami" in text
    assert re.search(r"demo: done in \d+s", text)
    assert re.search(r"demo: live page: http://127\.0\.0\.1:\d+/ties/\S+ ", text)
    assert "failed" not in text
    assert not logs_folder(text).exists()


def test_ctrl_c_stops_the_demo_on_a_terminal_in_one_line_and_leaves_nothing_behind():
    terminal = demo_on_a_terminal("--speed", "30")
    terminal.read_until("feeding the seed tie", timeout=120)
    terminal.read_until("Kick-off", timeout=60)
    terminal.press_ctrl_c()
    code, text = terminal.finish(timeout=60)
    assert code == 130, text[-3000:]
    assert "Traceback" not in text
    [line] = [line for line in text.splitlines() if line.startswith("demo: interrupted")]
    assert re.fullmatch(r"demo: interrupted; the board reached version \d+ of 22", line.strip())
    folder = logs_folder(text)
    assert not folder.exists()
    assert str(folder).startswith(tempfile.gettempdir())
    port = int(re.search(r"127\.0\.0\.1:(\d+)", text).group(1))
    assert is_port_free(port)
    page = re.search(r"live page: http://127\.0\.0\.1:(\d+)/", text)
    assert page, text
    assert is_port_free(int(page.group(1)))
