"""The command line: one module per tool with its flags, its work and its ending.

`tracker TOOL [FLAGS]` (the console entry point), `python3 scripts/TOOL.py [FLAGS]` and
`python -m streams TOOL [FLAGS]` all run the same ``main`` of :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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
