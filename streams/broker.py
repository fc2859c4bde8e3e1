"""`python -m streams.broker`: the embedded broker alone, as the README and the commands'
errors say to start one (the same as `tracker broker`; see :mod:`streams.commands.broker`)."""

import sys

from streams.commands.broker import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m streams.broker"))
