"""The usage log: exercise starts, steps, ratings, completions and abandonments, pseudonymously.

Rows are written one at a time (`record`) and read back folded into runs (`runs`): one Run per
exercise started, its ratings paired. Progress, the console's history and analytics format runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.db import UsageEvent, session_scope
from bot.pseudonym import pseudonymise

UNKNOWN_EXERCISE = "unknown"  # a run whose rows name no exercise


@dataclass(frozen=True)
class Who:
    """Whose usage is being logged, already pseudonymised."""

    pseudonym: str
    channel: str

    @classmethod
    def from_sender(cls, sender_id: str, channel: str | None) -> Who:
        return cls(pseudonymise(sender_id), channel or "unknown")


def record(
    who: Who,
    kind: str,
    *,
    exercise: str | None = None,
    run_id: str | None = None,
    step: str | None = None,
    value: float | None = None,
    phase: str | None = None,
    choice: str | None = None,
) -> None:
    """Write one usage row; kind is checkin, start, step, skip, rating, complete or abandon."""
    with session_scope() as session:
        session.add(
            UsageEvent(
                pseudonym=who.pseudonym,
                channel=who.channel,
                exercise=exercise,
                run_id=run_id,
                kind=kind,
                step=step,
                value=value,
                phase=phase,
                choice=choice,
            )
        )


def history(pseudonym: str, limit: int = 200, since: datetime | None = None) -> list[UsageEvent]:
    """A person's most recent usage rows (from `since` on, when given), oldest first."""
    with session_scope() as session:
        query = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonym)
        if since is not None:
            query = query.filter(UsageEvent.created_at >= since)
        rows = query.order_by(UsageEvent.id.desc()).limit(limit).all()
        session.expunge_all()
    return list(reversed(rows))


def runs_started(start: datetime, end: datetime) -> list[Run]:
    """Everyone's runs that started in [start, end), with all their rows (also those after `end`)."""
    started = select(UsageEvent.run_id).where(
        UsageEvent.kind == "start", UsageEvent.created_at >= start, UsageEvent.created_at < end
    )
    with session_scope() as session:
        rows = session.scalars(select(UsageEvent).where(UsageEvent.run_id.in_(started)).order_by(UsageEvent.id)).all()
        session.expunge_all()
    return runs(rows)


@dataclass(frozen=True)
class Run:
    """One exercise someone started: how it ended, and their distress before and after (0-10)."""

    run_id: str
    exercise: str
    started_at: datetime
    ended: str  # completed, abandoned, unfinished
    steps_done: int
    steps_skipped: int
    before: float | None
    after: float | None

    @property
    def completed(self) -> bool:
        return self.ended == "completed"

    @property
    def change(self) -> float | None:
        """After minus before: negative means the person felt less distressed afterwards."""
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Checkin:
    at: datetime
    mood: str | None
    rating: float | None


def runs(rows: Iterable[UsageEvent]) -> list[Run]:
    """Usage rows (oldest first) folded into exercise runs, in the order the runs started."""
    by_run: dict[str, list[UsageEvent]] = {}
    for row in rows:
        if row.run_id:
            by_run.setdefault(row.run_id, []).append(row)
    return [_run(run_id, events) for run_id, events in by_run.items()]


def _run(run_id: str, events: list[UsageEvent]) -> Run:
    kinds = [event.kind for event in events]
    ended = "completed" if "complete" in kinds else "abandoned" if "abandon" in kinds else "unfinished"
    ratings = {event.phase: event.value for event in events if event.kind == "rating" and event.value is not None}
    return Run(
        run_id=run_id,
        exercise=next((event.exercise for event in events if event.exercise), UNKNOWN_EXERCISE),
        started_at=events[0].created_at,
        ended=ended,
        steps_done=kinds.count("step"),
        steps_skipped=kinds.count("skip"),
        before=ratings.get("before"),
        after=ratings.get("after"),
    )


def checkins(rows: Iterable[UsageEvent]) -> list[Checkin]:
    """The mood check-ins among usage rows, in the same order."""
    return [Checkin(row.created_at, row.step, row.value) for row in rows if row.kind == "checkin"]


def mean_changes(rated: Iterable[Run]) -> dict[str, float]:
    """Mean change in distress (as Run.change) per exercise, over the runs rated before and after."""
    changes: dict[str, list[float]] = {}
    for run in rated:
        if run.change is not None:
            changes.setdefault(run.exercise, []).append(run.change)
    return {exercise: sum(values) / len(values) for exercise, values in changes.items()}


def helped(rated: Iterable[Run]) -> list[tuple[str, float]]:
    """The exercises that lowered distress on average, with their mean change (negative), the most helpful first."""
    falls = [(name, change) for name, change in mean_changes(rated).items() if change < 0]
    return sorted(falls, key=lambda item: item[1])


def helped_most(pseudonym: str) -> list[str]:
    """Exercises that lowered this person's distress, the most helpful first."""
    return [exercise for exercise, _ in helped(runs(history(pseudonym, limit=2000)))]
