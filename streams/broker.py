"""`python -m streams.broker`: the embedded broker alone, as the README and the scripts'
errors say to start one (the code is in :mod:`streams.local.broker`)."""

import sys

from streams.local.broker import EmbeddedBroker, main

__all__ = ["EmbeddedBroker", "main"]

if __name__ == "__main__":
    sys.exit(main())
