"""Figures over a chosen period: exercise starts, completions, distress change, escalations per day.

Days are UTC calendar days. An exercise run (bot/usage.py) belongs to the period in which it
started; its distress change is Run.change, the "after" rating minus the "before" rating of the
same run (negative means the person felt less distressed afterwards).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot import usage
from bot.db import Escalation, session_scope
from bot.risk.model import SEVERITIES
from bot.usage import Run

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole UTC days, the first and the last included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time.min)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]


def parse_period(first: str | None, last: str | None, today: date) -> Period | str:
    """The period asked for (YYYY-MM-DD dates, both inclusive), or a message saying what is wrong."""
    try:
        last_day = date.fromisoformat(last.strip()) if last and last.strip() else today
    except ValueError:
        return f"The end date {last!r} is not a date; write it as YYYY-MM-DD, e.g. {today.isoformat()}."
    try:
        first_day = date.fromisoformat(first.strip()) if first and first.strip() else None
    except ValueError:
        return f"The start date {first!r} is not a date; write it as YYYY-MM-DD, e.g. {today.isoformat()}."
    first_day = first_day or last_day - timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        return "The start date is after the end date."
    if (last_day - first_day).days + 1 > MAX_DAYS:
        return f"Choose a period of at most {MAX_DAYS} days."
    return Period(first_day, last_day)


@dataclass(frozen=True)
class ExerciseFigures:
    exercise: str
    starts: int
    completions: int
    paired_ratings: int
    mean_change: float | None

    @property
    def completion_rate(self) -> float | None:
        return self.completions / self.starts if self.starts else None


def exercise_figures(period: Period) -> list[ExerciseFigures]:
    """One row per exercise with at least one run started in the period."""
    by_exercise: dict[str, list[Run]] = defaultdict(list)
    for run in usage.runs_started(period.start, period.end):
        by_exercise[run.exercise].append(run)
    return [_figures(name, group) for name, group in sorted(by_exercise.items())]


def _figures(exercise: str, runs: list[Run]) -> ExerciseFigures:
    changes = [run.change for run in runs if run.change is not None]
    return ExerciseFigures(
        exercise=exercise,
        starts=len(runs),
        completions=sum(1 for run in runs if run.completed),
        paired_ratings=len(changes),
        mean_change=sum(changes) / len(changes) if changes else None,
    )


def escalations_per_day(period: Period) -> list[tuple[date, dict[str, int]]]:
    """Every day of the period with its count of new escalations per severity (zeros included)."""
    with session_scope() as session:
        rows = session.execute(
            select(Escalation.created_at, Escalation.severity)
            .where(Escalation.created_at >= period.start)
            .where(Escalation.created_at < period.end)
        ).all()
    counts = Counter((created.date(), severity) for created, severity in rows)
    return [(day, {severity: counts[(day, severity)] for severity in SEVERITIES}) for day in period.days()]
