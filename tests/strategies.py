"""Hypothesis strategies: random but valid event streams of random ties."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.builders import MatchFeed
from tracker import MatchEvent, TieState, evolve, new_tie
from tracker.rules import PRESETS
from tracker.state import Reason

TEAMS = ["Inter Miami", "LAFC", "Pumas", "Vancouver Whitecaps"]
PLAYERS = ["Lionel Messi", "Luis Suárez", "Federico Redondo", "Aaron Long", "Oscar Ustari"]


def _play_event(data: st.DataObject, feed: MatchFeed, minute: int) -> MatchEvent:
    team = data.draw(st.sampled_from([feed.home, feed.away]))
    player = data.draw(st.sampled_from(PLAYERS))
    kind = data.draw(
        st.sampled_from(["goal", "goal", "own_goal", "pen", "save", "offside", "card", "sub"])
    )
    match kind:
        case "goal":
            return feed.goal(team, minute, scorer=player)
        case "own_goal":
            return feed.goal(team, minute, scorer=player, kind="own_goal")
        case "pen":
            return feed.goal(team, minute, scorer=player, kind="penalty")
        case "save":
            return feed.event("save_made", minute, team=team, goalkeeper=player)
        case "offside":
            return feed.event("offside_called", minute, team=team, player=player)
        case "card":
            card = data.draw(st.sampled_from(["yellow", "yellow", "red"]))
            return feed.event("card_shown", minute, team=team, card=card, player=player)
        case _:
            return feed.event("substitution_made", minute, team=team, player_on=player)


def _period(
    data: st.DataObject, feed: MatchFeed, period: str, start: int, end: int, most: int
) -> list[MatchEvent]:
    events = [feed.starts(period, start)]
    minutes = sorted(data.draw(st.lists(st.integers(start, end), max_size=most)))
    events += [_play_event(data, feed, minute) for minute in minutes]
    events.append(feed.ends(period, end))
    return events


def _fold(tie: TieState, events: list[MatchEvent]) -> TieState:
    for event in events:
        tie = evolve(tie, event)
    return tie


@st.composite
def tie_streams(draw: Any, rules_names: list[str] | None = None) -> list[MatchEvent]:
    """All events of one random tie, in order: both legs if two-legged, extra time and a
    shootout when the rules call for them."""
    data = draw(st.data())
    rules_name = draw(st.sampled_from(rules_names or sorted(PRESETS)))
    rules = PRESETS[rules_name]
    home, away = draw(st.permutations(TEAMS))[:2]
    tie_id = f"tie-{draw(st.integers(0, 10**6))}"
    feeds = [MatchFeed(tie_id, f"{tie_id}-leg1", home, away)]
    if rules.legs == 2:
        feeds.append(MatchFeed(tie_id, f"{tie_id}-leg2", away, home))
    tie = new_tie(tie_id)
    events: list[MatchEvent] = []
    for number, feed in enumerate(feeds, start=1):
        leg = [feed.scheduled(leg=number, rules=rules_name)]
        leg += _period(data, feed, "first_half", 0, 45, 4)
        leg += _period(data, feed, "second_half", 45, 90, 4)
        tie = _fold(tie, leg)
        if tie.reason is Reason.EXTRA_TIME and number == rules.legs:
            extra = _period(data, feed, "extra_time_first_half", 90, 105, 2)
            extra += _period(data, feed, "extra_time_second_half", 105, 120, 2)
            tie = _fold(tie, extra)
            leg += extra
        if tie.advancing is None and tie.reason is Reason.PENALTIES and number == rules.legs:
            kicks = [feed.starts("penalty_shootout", 120)]
            tie = _fold(tie, kicks)
            turn = data.draw(st.sampled_from([feed.home, feed.away]))
            while tie.winner is None:
                outcome = data.draw(st.sampled_from(["saved", "scored", "missed"]))
                if len(kicks) > 14:  # end a long sudden death: first kicker scores, next misses
                    outcome = "scored" if len(kicks) % 2 == 0 else "missed"
                kick = feed.event("shootout_kick_taken", 120, team=turn, outcome=outcome)
                tie = _fold(tie, [kick])
                kicks.append(kick)
                turn = feed.away if turn == feed.home else feed.home
            kicks.append(feed.ends("penalty_shootout", 120))
            leg += kicks
        went_long = tie.legs[-1].period not in ("first_half", "second_half")
        end = feed.final_whistle(120 if went_long else 90)
        tie = _fold(tie, [end])
        leg.append(end)
        events += leg
    return events
