"""Stats Perform MA1 + MA3: Opta-coded events; the final score read from MA1 XML too."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from functools import cached_property
from pathlib import Path

from kloppy import statsperform
from kloppy.domain import EventDataset

from streams.providers import ImportOptions
from streams.providers.feed import slug
from streams.providers.files import opened
from streams.providers.opta import OptaFeed


class StatsPerformFeed(OptaFeed):
    provider = "statsperform"

    def __init__(self, dataset: EventDataset, ma1: Path) -> None:
        self.ma1 = ma1
        super().__init__(dataset)

    @cached_property
    def _ma1_xml(self) -> ElementTree.Element | None:
        if self.ma1.read_bytes().lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
            return None
        return ElementTree.parse(self.ma1).getroot()

    def match_id(self) -> str:
        """From MA1 XML kloppy reads no game id: ``<matchInfo id>`` is read here, so JSON
        and XML of one match import under one id."""
        info = self._ma1_xml.find("matchInfo") if self._ma1_xml is not None else None
        if self.dataset.metadata.game_id is None and info is not None and info.get("id"):
            return f"{self.provider}-{slug(info.attrib['id'])}"
        return super().match_id()

    def feed_score(self) -> tuple[int, int] | None:
        """kloppy's score (from MA1 JSON); from MA1 XML kloppy reads none, so
        ``<matchDetails><scores><total home away/>`` is read here."""
        score = super().feed_score()
        if score is not None or self._ma1_xml is None:
            return score
        total = self._ma1_xml.find(".//matchDetails/scores/total")
        if total is None:
            return None
        try:
            return int(total.attrib["home"]), int(total.attrib["away"])
        except (KeyError, ValueError):
            return None


def load_feed(files: dict[str, Path], options: ImportOptions) -> StatsPerformFeed:
    with opened(files) as handles:
        dataset = statsperform.load_event(
            ma1_data=handles["ma1_data"], ma3_data=handles["ma3_data"]
        )
    return StatsPerformFeed(dataset, files["ma1_data"])
