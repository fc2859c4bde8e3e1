"""The tie table: tie state by tie_id, backed by a changelog topic."""

from __future__ import annotations

import faust

from streams.codecs import TIE_RECORD_CODEC

TIE_TABLE = "ties"


def tie_table(app: faust.App, partitions: int) -> faust.Table:
    """The table, with its changelog topic declared here: Faust derives serializers from
    model types only, and ours are a str key and a pydantic codec."""
    changelog = app.topic(
        f"{app.conf.id}-{TIE_TABLE}-changelog",
        key_type=str,
        key_serializer="raw",
        value_serializer=TIE_RECORD_CODEC,
        partitions=partitions,
        compacting=True,
        internal=True,
    )
    table = app.Table(
        TIE_TABLE,
        default=None,
        partitions=partitions,
        key_type=str,
        changelog_topic=changelog,
        help="Tie state (TieRecord: state + folded source position) by tie_id.",
    )
    table.key_serializer = "raw"
    table.value_serializer = TIE_RECORD_CODEC
    return table
