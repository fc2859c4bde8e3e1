"""Bounds on what a feed may send: string lengths and characters, and how far `seq` goes.

They are football facts or plain sanity, and they keep every record the worker writes far
below a broker's message limit whatever arrives.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

#: No control characters (C0, DEL, C1): ids become Kafka keys, names reach terminals.
_PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]+$"
MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 100
MAX_TEXT_LENGTH = 200
#: Far beyond any real feed (a dense match has a few thousand events).
MAX_SEQ = 1_000_000

Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH, pattern=_PRINTABLE)]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=_PRINTABLE)
]
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=_PRINTABLE)
]
