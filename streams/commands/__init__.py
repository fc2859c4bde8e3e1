"""The command line: one module per tool with its flags, its work and its ending.

`tracker TOOL [FLAGS]` (the console entry point), `python3 scripts/TOOL.py [FLAGS]` and
`python -m streams TOOL [FLAGS]` all run the same ``main`` of :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Callable

from streams.config import MAX_PORT

#: ``tracker`` subcommand: (module under streams.commands, what it does).
COMMANDS: dict[str, tuple[str, str]] = {
    "produce": ("produce", "feed match files (or a provider's match) into match-events"),
    "subscribe": ("subscribe", "follow tie updates (and moments) as they are published"),
    "replay": ("replay", "re-fold a tie from files or from the log, as at any minute"),
    "import": ("import_", "turn a provider's match files (kloppy) into our events"),
    "demo": ("demo", "the seed tie told live: broker, worker, feed and scoreboard"),
    "bench": ("bench", "measure the pipeline against the raw-client ceiling"),
    "worker": ("worker", "run a Faust worker (as faust -A streams.app worker)"),
    "broker": ("broker", "run the embedded broker (Tansu) in the foreground"),
    "web": ("web", "serve the live scoreboard page and the HTTP API"),
    "dead-letters": ("dead_letters", "show what the worker refused, and why"),
    "ties": ("ties", "list the ties tie-scores knows, with their status"),
}


def usage(prog: str) -> str:
    width = max(map(len, COMMANDS))
    lines = [f"usage: {prog} COMMAND [FLAGS]   ({prog} COMMAND --help for its flags)", ""]
    lines += [f"  {name:<{width}}  {about}" for name, (_, about) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None, prog: str = "tracker") -> int:
    """Run ``argv[0]``'s command with the rest of ``argv`` (default: the command line)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(usage(prog))
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"{prog}: unknown command {name!r}\n{usage(prog)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"streams.commands.{COMMANDS[name][0]}")
    code: int = module.main(rest, prog=f"{prog} {name}")
    return code


def command_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """A command's parser: its module's doc (with the examples) as the description."""
    return argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def port_number(*, may_be_free: bool) -> Callable[[str], int]:
    """An argparse type: a TCP port, 1-65535 (or 0 when ``may_be_free``: the system picks a
    free one). A port out of range is a usage error, not the socket's traceback."""
    low = 0 if may_be_free else 1
    picks = "; 0 picks a free one" if may_be_free else ""

    def port(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
        if not low <= value <= MAX_PORT:
            raise argparse.ArgumentTypeError(f"{value} is not a port ({low}-{MAX_PORT}{picks})")
        return value

    return port


def positive_number(text: str) -> float:
    """An argparse type: a finite number above 0 (a speed, a number of seconds)."""
    return _finite(text, lambda value: value > 0, "above 0")


def non_negative_number(text: str) -> float:
    """An argparse type: a finite number, 0 or above."""
    return _finite(text, lambda value: value >= 0, "0 or above")


def positive_integer(text: str) -> int:
    """An argparse type: a whole number, 1 or above (a count, a limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or above")
    return value


def tie_id(text: str) -> str:
    """An argparse type: a tie id as events carry it (1-128 printable characters); an empty
    ``--tie ""`` followed no tie and said nothing."""
    from pydantic import TypeAdapter, ValidationError

    from tracker.bounds import Id

    try:
        return TypeAdapter(Id).validate_python(text)
    except ValidationError as error:
        first = error.errors()[0]
        reason = (
            "it has a control character"
            if first["type"] == "string_pattern_mismatch"
            else first["msg"].lower()
        )
        raise argparse.ArgumentTypeError(f"not a tie id: {text!r} ({reason})") from None


def _finite(text: str, fits: Callable[[float], bool], expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or not fits(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number {expected}")
    return value
