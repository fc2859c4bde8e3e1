"""Plain-text views of a tie for terminals and logs (the rich scoreboard builds on these)."""

from __future__ import annotations

from typing import Any

from tracker.moments import short_name, standing_text
from tracker.standing import lacks_first_leg
from tracker.state import MatchState, TieState
from tracker.timeline import Cut


def leg_line(leg: MatchState, at: Cut | None = None) -> str:
    """``Leg 2  Inter Miami 2-1 LAFC  [61' second half]``; a live leg cut by a replay says
    where it was cut, not its last event's minute: ``[at 61', second half]``."""
    score = f"{leg.home} {leg.score[leg.home]}-{leg.score[leg.away]} {leg.away}"
    if leg.shootout is not None and leg.shootout.kicks:
        kicks = leg.shootout.score
        score += f" ({kicks[leg.home]}-{kicks[leg.away]} pens)"
    where = leg.status.value
    if leg.status.value == "live" and leg.period is not None:
        state = "" if leg.is_period_running else ", break after"
        period = leg.period.value.replace("_", " ")
        if at is not None:
            where = f"at {at.clock}, {period}{state}"
        else:
            where = f"{leg.clock} {period}{state}".strip()
    return f"Leg {leg.leg}  {score}  [{where}]"


def goal_lines(leg: MatchState) -> list[str]:
    lines = []
    for goal in leg.goals:
        who = goal.scorer or "unknown scorer"
        notes = [f"assist {short_name(goal.assist)}"] if goal.assist else []
        if goal.kind.value in ("penalty", "own_goal"):
            notes.append(goal.kind.value.replace("_", " "))
        if goal.is_deflected:
            notes.append("deflected")
        extra = f" ({', '.join(notes)})" if notes else ""
        clock = goal.minute is not None and f"{goal.minute}" + (
            f"+{goal.added_minute}" if goal.added_minute else ""
        )
        lines.append(f"  {clock or '?'}' {who} [{goal.team}]{extra}")
    return lines


def gap_text(tie: TieState) -> str:
    """``INCOMPLETE: leg 1 lacks seq 3-4`` while a leg has an unfilled gap (or ``leg 1 not
    received`` for a second leg alone), else ``""``: such a score may lack events not
    received yet, so it is never shown as a clean result."""
    missing = [
        f"leg {leg.leg} lacks seq "
        + ", ".join(
            f"{gap.after + 1}"
            if gap.before - gap.after == 2
            else f"{gap.after + 1}-{gap.before - 1}"
            for gap in leg.seq_gaps
        )
        for leg in tie.legs
        if leg.seq_gaps
    ]
    if tie.rules is not None and lacks_first_leg(tie.rules, tie.legs):
        missing.insert(0, "leg 1 not received")
    return f"INCOMPLETE: {'; '.join(missing)}" if missing or not tie.complete else ""


def summary(tie: TieState, at: Cut | None = None) -> str:
    """A few lines a person can read: legs, aggregate, who goes through and what is needed;
    ``at``: the tie is a replay cut at that moment (of its last leg, unless it names one)."""
    if not tie.legs:
        return f"Tie {tie.tie_id}: nothing scheduled yet"
    rules = tie.rules.name if tie.rules else "?"
    out = [f"Tie {tie.tie_id} ({rules}) - {tie.status.value}, version {tie.version}"]
    cut_leg = None if at is None else at.leg or max(leg.leg for leg in tie.legs)
    for leg in tie.legs:
        out.append(leg_line(leg, at if leg.leg == cut_leg else None))
        out.extend(goal_lines(leg))
        if leg.keeper_saves:
            saves = ", ".join(f"{short_name(k)} {n}" for k, n in leg.keeper_saves.items())
            out.append(f"  saves: {saves}")
    first, second = tie.teams
    if tie.rules is not None and tie.rules.legs == 2:
        line = f"Aggregate: {first} {tie.aggregate[first]}-{tie.aggregate[second]} {second}"
        if tie.away_goals is not None:
            line += f" (away goals {tie.away_goals[first]}-{tie.away_goals[second]})"
        out.append(line)
    standing = standing_text(tie)
    if standing:
        out.append(f"Now: {standing}")
    if tie.goals_needed:
        needs = ", ".join(f"{team} need {n}" for team, n in tie.goals_needed.items())
        out.append(f"To go through outright: {needs}")
    if tie.winner:
        out.append(f"Winner: {tie.winner}")
    if gap_text(tie):
        out.append(
            f"{gap_text(tie)} (the score may lack events not received yet, or refused: "
            "scripts/dead_letters.py lists what the worker refused)"
        )
    return "\n".join(out)


def aggregate_line(tie: TieState, leg: MatchState) -> str:
    """``Inter Miami 2-2 LAFC (away goals 0-1)``: the teams named, in tonight's order."""
    home, away = leg.home, leg.away
    text = f"{home} {tie.aggregate[home]}-{tie.aggregate[away]} {away}"
    if tie.away_goals is not None:
        text += f" (away goals {tie.away_goals[home]}-{tie.away_goals[away]})"
    return text


def scoreboard(ties: list[TieState], moments: list[str]) -> Any:
    """The live scoreboard (a rich renderable): one row per tie, then the latest moments."""
    from rich.console import Group
    from rich.table import Table

    table = Table(title="Live ties", expand=True)
    for column in ("Tie", "Tonight", "Clock", "Aggregate", "Through now", "Needs"):
        table.add_column(column)
    for tie in ties:
        if not tie.legs:
            continue
        leg = next((m for m in reversed(tie.legs) if m.status.value != "scheduled"), tie.legs[0])
        tonight = f"{leg.home} {leg.score[leg.home]}-{leg.score[leg.away]} {leg.away}"
        if leg.shootout is not None and leg.shootout.kicks:
            kicks = leg.shootout.score
            tonight += f" ({kicks[leg.home]}-{kicks[leg.away]} pens)"
        clock = leg.clock if leg.status.value == "live" else leg.status.value
        aggregate = ""
        if tie.rules is not None and tie.rules.legs == 2:
            aggregate = aggregate_line(tie, leg)
        needs = ", ".join(f"{team} {n}" for team, n in tie.goals_needed.items())
        through = f"[bold]{tie.winner}[/bold] (winner)" if tie.winner else standing_text(tie)
        if gap_text(tie):
            clock = f"{clock} [bold red]{gap_text(tie)}[/bold red]"
        table.add_row(tie.tie_id, tonight, clock, aggregate, through, needs)
    return Group(table, *(f"  {text}" for text in moments[-8:]))


def one_line(tie: TieState) -> str:
    """``v14 Inter Miami 2-1 LAFC 61' | aggregate 2-2 | LAFC through on away goals``."""
    if not tie.legs:
        return f"v{tie.version} {tie.tie_id}: nothing scheduled"
    leg = next((m for m in reversed(tie.legs) if m.status.value != "scheduled"), tie.legs[0])
    parts = [f"v{tie.version} {leg.home} {leg.score[leg.home]}-{leg.score[leg.away]} {leg.away}"]
    parts[0] += f" {leg.clock}" if leg.status.value == "live" else f" ({leg.status.value})"
    if tie.rules is not None and tie.rules.legs == 2:
        parts.append(f"aggregate {tie.aggregate[leg.home]}-{tie.aggregate[leg.away]}")
    standing = standing_text(tie)
    if tie.winner:
        parts.append(f"winner {tie.winner}")
    elif standing:
        parts.append(standing)
    if tie.goals_needed:
        parts.append(", ".join(f"{t} need {n}" for t, n in tie.goals_needed.items()))
    if gap_text(tie):
        parts.append(gap_text(tie))
    return " | ".join(parts)
