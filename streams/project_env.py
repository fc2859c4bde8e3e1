"""`python -m streams ...` from a Python without the project's packages (the README's
`python -m` lines are typed with whatever `python` comes first): run again in the project's
`.venv`, set up on first use as the scripts do (`scripts/environment.py`), instead of a
`ModuleNotFoundError` traceback. Standard library only: it runs before anything else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def into_project_env(module: str) -> None:
    """Return when this Python has the project's packages; else re-run ``python -m module``
    with this command's arguments in the project's venv (made first if need be). Where the
    project has no `scripts/` to make one (an installed copy), one line and exit 2."""
    if importlib.util.find_spec("aiokafka") is not None:  # the packages are here
        return
    if not (ROOT / "scripts" / "environment.py").is_file():
        print(
            f"python -m {module}: this Python lacks the project's packages (aiokafka and the"
            " rest): install the project (pip install -e .) or use its virtualenv",
            file=sys.stderr,
        )
        raise SystemExit(2)
    sys.path.insert(0, str(ROOT))
    from scripts.environment import ensure_project_env

    ensure_project_env(any_installed_python=True, argv=["-m", module, *sys.argv[1:]])
