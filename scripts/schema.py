"""Write the JSON Schema of match events, generated from the pydantic models.

Example: python3 scripts/schema.py            # writes tracker/schema/match-event.schema.json
         python3 scripts/schema.py --check    # exit 1 if the committed file is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: inside the project's venv, from the project root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.environment import ensure_project_env

    ensure_project_env(any_installed_python=True)

from tracker import event_json_schema

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "tracker/schema/match-event.schema.json"


def schema_text() -> str:
    return json.dumps(event_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="schema.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.check:
        current = SCHEMA_PATH.read_text() if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is out of date: run python3 scripts/schema.py", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(text)
    print(SCHEMA_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
