"""`python -m streams COMMAND`: the same commands as `tracker` (:mod:`streams.commands`), among
them `python -m streams worker -l info` (the Faust worker, configured from the environment)
and `python -m streams web` (the web scoreboard and API, in its own process)."""

import sys

from streams.project_env import into_project_env

if __name__ == "__main__":
    into_project_env("streams")
    from streams.commands import main

    sys.exit(main(prog="python -m streams"))
