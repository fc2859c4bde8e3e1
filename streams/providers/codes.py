"""kloppy's codes in our vocabulary: period ids, body parts, card types, kick outcomes."""

from __future__ import annotations

from kloppy.domain import BodyPart as KloppyBodyPart
from kloppy.domain import CardType as KloppyCardType
from kloppy.domain import ShotResult

from tracker.events import BodyPart, CardType, KickOutcome, Period

PERIODS = {
    1: Period.FIRST_HALF,
    2: Period.SECOND_HALF,
    3: Period.EXTRA_TIME_FIRST_HALF,
    4: Period.EXTRA_TIME_SECOND_HALF,
    5: Period.PENALTY_SHOOTOUT,
}
SHOOTOUT = 5  # kloppy's period id of the penalty shootout

BODY_PARTS = {
    KloppyBodyPart.LEFT_FOOT: BodyPart.LEFT_FOOT,
    KloppyBodyPart.RIGHT_FOOT: BodyPart.RIGHT_FOOT,
    KloppyBodyPart.HEAD: BodyPart.HEAD,
    KloppyBodyPart.OTHER: BodyPart.OTHER,
    KloppyBodyPart.CHEST: BodyPart.OTHER,
    # HEAD_OTHER ("head or body", Wyscout) says neither: the body part stays unknown.
}
CARDS = {
    KloppyCardType.FIRST_YELLOW: CardType.YELLOW,
    KloppyCardType.SECOND_YELLOW: CardType.SECOND_YELLOW,
    KloppyCardType.RED: CardType.RED,
}
KICK_OUTCOMES = {ShotResult.GOAL: KickOutcome.SCORED, ShotResult.SAVED: KickOutcome.SAVED}
