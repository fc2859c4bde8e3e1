"""The provider flags shared by `import.py` and `produce.py`: kloppy's loader arguments plus
the scheduling of the imported match."""

from __future__ import annotations

import argparse

from streams.providers import ImportOptions
from tracker import PRESETS

FILE_FLAGS = (
    ("--event-data", "events (statsbomb, wyscout, sportec)"),
    ("--lineup-data", "lineups (statsbomb)"),
    ("--meta-data", "match information (sportec)"),
    ("--ma1-data", "MA1 match information and lineups (statsperform)"),
    ("--ma3-data", "MA3 events (statsperform)"),
    ("--f7-data", "F7 match and lineups (opta)"),
    ("--f24-data", "F24 (or F73) events (opta)"),
)


def add_provider_arguments(parser: argparse.ArgumentParser) -> None:
    files = parser.add_argument_group("provider files (kloppy's loader arguments)")
    for name, help_text in FILE_FLAGS:
        files.add_argument(name, metavar="FILE", help=help_text)
    files.add_argument("--data-version", metavar="V2|V3", help="wyscout format (default: detected)")
    schedule = parser.add_argument_group("scheduling of the imported match")
    schedule.add_argument("--tie-id", help="tie id (default: the match id)")
    schedule.add_argument(
        "--match-id", help="match id (default: provider and the feed's game id, or the teams)"
    )
    schedule.add_argument(
        "--rules",
        choices=list(PRESETS),
        metavar="PRESET",
        help=f"competition rules: {', '.join(PRESETS)} (default: league, or "
        "single-match-knockout when the data has extra time or a shootout)",
    )
    schedule.add_argument("--leg", type=int, default=1, help="leg of the tie (default 1)")


def import_options(args: argparse.Namespace) -> ImportOptions:
    return ImportOptions(
        event_data=args.event_data,
        lineup_data=args.lineup_data,
        meta_data=args.meta_data,
        ma1_data=args.ma1_data,
        ma3_data=args.ma3_data,
        f7_data=args.f7_data,
        f24_data=args.f24_data,
        data_version=args.data_version,
        tie_id=args.tie_id,
        match_id=args.match_id,
        rules=args.rules,
        leg=args.leg,
    )
