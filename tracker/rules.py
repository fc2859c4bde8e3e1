"""Competition rules as data: how a tie is decided, with presets for known competitions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.bounds import Text


class TieRules(BaseModel):
    """How a tie is decided. A league match is a one-leg tie that is not a knockout."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text
    legs: Literal[1, 2] = 2
    is_knockout: bool = True
    away_goals: bool = False
    away_goals_in_extra_time: bool = False
    extra_time: bool = True
    penalties: bool = True
    #: Leg 2 starts after leg 1 ended; False lets a feed interleave the legs' events.
    legs_in_order: bool = True


PRESETS: dict[str, TieRules] = {
    rules.name: rules
    for rules in (
        # CONCACAF Champions Cup 2025, two-legged rounds: away goals (regulation time);
        # level on aggregate and away goals goes straight to a penalty shootout.
        TieRules(
            name="concacaf-champions-cup-2025",
            legs=2,
            away_goals=True,
            extra_time=False,
        ),
        # UEFA club competitions from 2021/22: no away goals; extra time, then penalties.
        TieRules(name="uefa-2021", legs=2),
        # UEFA club competitions before 2021/22: away goals, which also count in extra time.
        TieRules(
            name="uefa-pre-2021",
            legs=2,
            away_goals=True,
            away_goals_in_extra_time=True,
        ),
        # One match that must produce a winner (a cup final, a World Cup knockout match).
        TieRules(name="single-match-knockout", legs=1),
        # A league match: nobody advances, a draw is a result.
        TieRules(
            name="league",
            legs=1,
            is_knockout=False,
            extra_time=False,
            penalties=False,
        ),
    )
}


def preset(name: str) -> TieRules:
    """The preset rules called ``name``; KeyError lists the known names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown rules preset {name!r}; known: {', '.join(PRESETS)}") from None
