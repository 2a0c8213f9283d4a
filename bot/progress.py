"""'How have I been doing?': a person's own check-ins and distress ratings, read back to them.

Built from the pseudonymous usage log (bot/usage.py); the wording is in bot/content/common.yml
under `progress`. One summary gives both the text (every channel) and the widget's chart data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import payloads, usage
from bot.exercises import Common, fill, get_exercise, pick
from bot.usage import Checkin, Run

DAYS = 30
MAX_RUNS = 12
MAX_CHECKINS = 20


@dataclass
class Progress:
    runs: list[Run] = field(default_factory=list)  # finished runs with a rating, oldest first
    checkins: list[Checkin] = field(default_factory=list)
    helped: list[tuple[str, float]] = field(default_factory=list)  # (exercise id, mean change < 0), most helpful first

    @property
    def empty(self) -> bool:
        return not self.runs and not self.checkins


def progress_for(pseudonym: str, now: datetime, days: int = DAYS) -> Progress:
    rows = usage.history(pseudonym, limit=5000, since=now - timedelta(days=days))
    finished = [run for run in usage.runs(rows) if run.completed and (run.before, run.after) != (None, None)]
    checkins = usage.checkins(rows)
    return Progress(runs=finished[-MAX_RUNS:], checkins=checkins[-MAX_CHECKINS:], helped=usage.helped(finished))


def title_of(exercise_id: str) -> str:
    exercise = get_exercise(exercise_id)
    return exercise.title if exercise else exercise_id


def short_date(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}"


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def progress_text(progress: Progress, common: Common, seed: str, goal: str | None = None) -> str:
    """The summary every channel shows (the widget adds a chart under it)."""
    lines = common.lines
    if progress.empty:
        return pick(lines("progress", "empty"), seed)
    text = [fill(pick(lines("progress", "intro"), seed), days=DAYS)]
    if progress.checkins:
        text.append(fill(pick(lines("progress", "checkins"), seed), count=len(progress.checkins)))
        moods = _moods(progress, common)
        if moods:
            text.append(fill(pick(lines("progress", "checkin_moods"), seed), moods=moods))
    if progress.runs:
        text.append(fill(pick(lines("progress", "runs"), seed), count=len(progress.runs)))
        text += ["• " + _run_line(run, common) for run in progress.runs]
        if progress.helped:
            item = lines("progress", "helped_item")[0]
            top = progress.helped[:3]
            helped = ", ".join(fill(item, exercise=title_of(name), drop=f"{-change:.1f}") for name, change in top)
            text.append(fill(pick(lines("progress", "helped"), seed), list=helped))
        elif any(run.change is not None for run in progress.runs):
            text.append(pick(lines("progress", "none_helped"), seed))
    if goal:
        text.append(fill(pick(lines("progress", "goal_pending"), seed), goal=goal))
    text.append(pick(lines("progress", "closing"), seed))
    return "\n".join(text)


def _run_line(run: Run, common: Common) -> str:
    line = common.lines("progress", "run_line")[0]
    before, after = number(run.before), number(run.after)
    return fill(line, date=short_date(run.started_at), exercise=title_of(run.exercise), before=before, after=after)


def _moods(progress: Progress, common: Common) -> str:
    names = common.raw.get("progress", {}).get("moods", {})
    counted = Counter(checkin.mood for checkin in progress.checkins if checkin.mood in names)
    return ", ".join(f"{names[mood]} ({count})" for mood, count in counted.most_common(3))


def chart_payload(progress: Progress, common: Common, text: str) -> dict[str, object]:
    """The widget's chart: one column per finished run (before and after), plus the check-ins."""
    names = common.raw.get("progress", {}).get("moods", {})
    return payloads.progress_chart(
        str(common.raw.get("progress", {}).get("chart_title", "")),
        [
            {"date": run.started_at.date().isoformat(), "label": title_of(run.exercise), "before": run.before,
             "after": run.after}
            for run in progress.runs
        ],
        [
            {"date": checkin.at.date().isoformat(), "mood": names.get(checkin.mood or ""), "rating": checkin.rating}
            for checkin in progress.checkins
        ],
        text,
    )
