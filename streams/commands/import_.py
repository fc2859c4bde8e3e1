"""Import a match from a data provider's files (read by kloppy) as our match events.

Writes JSON Lines in the wire format, ready for produce.py or replay.py --file. On stderr:
the final score as the tracker folds it, how many events of each type were written, what
kloppy read that has no use here (passes, carries...), and any data quirk met on the way.
The file flags are kloppy's own loader arguments. Needs the extra: pip install '.[providers]'.

Providers and their files:
  statsbomb      --event-data EVENTS.json --lineup-data LINEUPS.json
  statsperform   --ma1-data MA1.json|xml --ma3-data MA3.json|xml
  wyscout        --event-data EVENTS.json [--data-version V2|V3]
  sportec        --event-data EVENTS.xml --meta-data META.xml
  opta           --f7-data F7.xml --f24-data F24.xml

Examples:
  python3 scripts/import.py statsbomb --event-data 3788741_event.json \\
      --lineup-data 3788741_lineup.json -o turkey-italy.jsonl
  python3 scripts/import.py statsperform --ma1-data ma1.json --ma3-data ma3.json \\
      | python3 scripts/replay.py --file - --json
  python3 scripts/import.py opta --f7-data f7.xml --f24-data f24.xml \\
      --tie-id cup-final-2018 --match-id cup-final-2018 --rules single-match-knockout
  python3 scripts/import.py wyscout --event-data leg2.json --rules uefa-2021 --leg 2 \\
      --tie-id ucl-qf-2020 --match-id ucl-qf-2020-leg2

The match is scheduled under --rules (default: league, or single-match-knockout when the
data has extra time or a shootout). Ids are derived from the data, so the same files
always give the same bytes.

Exit codes: 0 written; 2 usage errors, or files missing, unreadable or not the provider's;
130 interrupted (nothing is written then).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from streams.commands import command_parser
from streams.commands.endings import ScriptFailure, run_script, say
from streams.providers import PROVIDERS, load_match, summary_lines
from streams.providers.arguments import add_provider_arguments, import_options


def build_parser(prog: str = "tracker import") -> argparse.ArgumentParser:
    parser = command_parser(prog, __doc__)
    parser.add_argument("provider", choices=list(PROVIDERS), help="the data provider")
    add_provider_arguments(parser)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the events here (default: stdout)"
    )
    return parser


def main(argv: list[str] | None = None, prog: str = "tracker import") -> int:
    args = build_parser(prog).parse_args(argv)

    def convert() -> int:
        options = import_options(args)
        result = load_match(args.provider, options)
        lines = result.to_jsonl()
        try:
            if args.output:
                Path(args.output).write_bytes(lines)
            else:
                sys.stdout.buffer.write(lines)
                sys.stdout.buffer.flush()
        except OSError as error:
            raise ScriptFailure(
                f"cannot write {args.output or 'stdout'}: {error.strerror or error}"
            ) from None
        for line in summary_lines(result):
            say("import", line)
        return 0

    return run_script("import", convert)
