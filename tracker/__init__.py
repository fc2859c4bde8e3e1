"""The domain: match events, competition rules, and the pure fold into match and tie state."""

from tracker.errors import (
    InvalidEvent,
    OutOfOrderEvent,
    RuleViolation,
    TrackerError,
)
from tracker.events import MatchEvent, event_from_dict, event_json_schema, parse_event
from tracker.fold import Folding, evolve, fold, new_tie
from tracker.rules import PRESETS, TieRules, preset
from tracker.state import MatchState, Reason, Status, TieState

__all__ = [
    "PRESETS",
    "Folding",
    "InvalidEvent",
    "MatchEvent",
    "MatchState",
    "OutOfOrderEvent",
    "Reason",
    "RuleViolation",
    "Status",
    "TieRules",
    "TieState",
    "TrackerError",
    "event_from_dict",
    "event_json_schema",
    "evolve",
    "fold",
    "new_tie",
    "parse_event",
    "preset",
]
