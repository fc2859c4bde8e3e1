"""What people read: the scoreboard, and a replay's summary."""

from __future__ import annotations

from rich.console import Console

from streams.clients.render import one_line, scoreboard, summary
from tests.seed import SEED_TIE
from tracker import fold, new_tie
from tracker.timeline import Cut, events_until


def board_text(*args) -> str:
    console = Console(record=True, width=200)
    console.print(scoreboard(*args))
    return console.export_text()


def test_the_board_names_both_teams_in_the_aggregate_column(seed_events):
    after_long = fold(events_until(seed_events, Cut(9)), new_tie(SEED_TIE))
    text = board_text([after_long], ["9' Long: 0-1, 0-2 on aggregate, LAFC through"])
    assert "Inter Miami 0-2 LAFC (away goals 0-1)" in text
    assert "(away 0-1)" not in text


def test_a_summary_cut_at_a_minute_says_so_on_the_cut_leg(seed_events):
    cut = Cut.parse("50")
    at_50 = fold(events_until(seed_events, cut), new_tie(SEED_TIE))
    text = summary(at_50, cut)
    assert "Leg 1  LAFC 1-0 Inter Miami  [finished]" in text
    assert "Leg 2  Inter Miami 1-1 LAFC  [at 50', second half]" in text
    assert "Leg 2  Inter Miami 1-1 LAFC  [45' second half]" in summary(at_50)


def test_a_tie_with_a_seq_gap_is_never_shown_as_a_clean_result(seed_events):
    leg1 = [e for e in seed_events if e.match_id.endswith("leg1")]
    without_half_time = [e for e in leg1 if e.seq not in (3, 4)]
    tie = fold(without_half_time, new_tie(SEED_TIE))
    assert tie.legs[0].status == "finished" and not tie.complete
    assert one_line(tie).endswith("INCOMPLETE: leg 1 lacks seq 3-4")
    assert "INCOMPLETE: leg 1 lacks seq 3-4 (the score may lack" in summary(tie)
    assert "or refused: scripts/dead_letters.py lists" in summary(tie)  # not always "late"
    assert "INCOMPLETE" in board_text([tie], [])
    assert "INCOMPLETE" not in one_line(fold(leg1, new_tie(SEED_TIE)))
