"""The provider's files, open for kloppy's loaders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def opened(files: dict[str, Path]) -> Iterator[dict[str, BinaryIO]]:
    """The files open for reading, as kloppy's loaders take them (and close them after)."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(path.open("rb")) for name, path in files.items()}
