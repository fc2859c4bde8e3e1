"""The command line: each tool's flags and ending (`scripts/*.py` and `tracker` run them)."""
