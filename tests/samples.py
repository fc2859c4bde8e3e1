"""kloppy's sample match files, one table for every provider test: who reads them, and how.

The files ship with kloppy (`kloppy/tests/files`); a test module needing them skips
without kloppy (``pytest.importorskip("kloppy")``) before it calls :func:`sample_path`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One match: its provider, its files by kloppy's loader argument, and, for Wyscout,
    the version of its format (``--data-version``)."""

    provider: str
    files: dict[str, str]
    data_version: str | None = None


SAMPLES: dict[str, Sample] = {
    "turkey-italy": Sample(
        "statsbomb",
        {
            "event_data": "statsbomb_3788741_event.json",
            "lineup_data": "statsbomb_3788741_lineup.json",
        },
    ),
    "barcelona-girona": Sample(
        "statsbomb",
        {"event_data": "statsbomb_15986_event.json", "lineup_data": "statsbomb_15986_lineup.json"},
    ),
    "hamburg-sandhausen": Sample(
        "statsperform",
        {"ma1_data": "statsperform_event_ma1.json", "ma3_data": "statsperform_event_ma3.json"},
    ),
    "hamburg-sandhausen-xml": Sample(
        "statsperform",
        {"ma1_data": "statsperform_event_ma1.xml", "ma3_data": "statsperform_event_ma3.xml"},
    ),
    "liverpool-leicester": Sample("wyscout", {"event_data": "wyscout_events_v2.json"}, "V2"),
    "juventus-sampdoria": Sample("wyscout", {"event_data": "wyscout_events_v3.json"}, "V3"),
    "freiburg-gladbach": Sample(
        "sportec", {"event_data": "sportec_events.xml", "meta_data": "sportec_meta.xml"}
    ),
    "kobenhavn-nordsjaelland": Sample(
        "opta", {"f7_data": "opta_f7.xml", "f24_data": "opta_f24.xml"}
    ),
}


def sample_path(name: str) -> Path:
    """A file of kloppy's samples, e.g. ``sample_path("opta_f7.xml")``."""
    import kloppy

    return Path(kloppy.__file__).parent / "tests" / "files" / name


def sample_files(key: str) -> dict[str, Path]:
    """The files of one sample match, by kloppy's loader argument."""
    return {option: sample_path(name) for option, name in SAMPLES[key].files.items()}
