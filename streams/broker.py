"""`python -m streams.broker`: the embedded broker alone, as the README and the commands'
errors say to start one (the same as `tracker broker`; see :mod:`streams.commands.broker`)."""

import sys

from streams.project_env import into_project_env

if __name__ == "__main__":
    into_project_env("streams.broker")
    from streams.commands.broker import main

    sys.exit(main(prog="python -m streams.broker"))
