"""The tie table: tie state by tie_id, backed by a changelog topic."""

from __future__ import annotations

import faust

from streams.codecs import TIE_RECORD_CODEC


def tie_table(app: faust.App, partitions: int) -> faust.Table:
    table = app.Table(
        "ties",
        default=None,
        partitions=partitions,
        key_type=str,
        help="Tie state (TieRecord: state + folded source position) by tie_id.",
    )
    # Faust takes serializers from model types only; ours are a str key and a pydantic codec.
    table.key_serializer = "raw"
    table.value_serializer = TIE_RECORD_CODEC
    return table
