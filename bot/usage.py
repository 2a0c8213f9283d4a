"""The usage log: exercise starts, steps, ratings, completions and abandonments, pseudonymously."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.db import UsageEvent, session_scope
from bot.pseudonym import pseudonymise


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


def distress_drops(pseudonym: str) -> dict[str, float]:
    """Mean fall in distress (before minus after) per exercise, over this person's rated runs."""
    before: dict[str, tuple[str, float]] = {}
    rated: list[tuple[str, float, float]] = []
    for row in history(pseudonym, limit=2000):
        if row.kind != "rating" or row.value is None or not row.run_id or not row.exercise:
            continue
        if row.phase == "before":
            before[row.run_id] = (row.exercise, row.value)
        elif row.phase == "after" and row.run_id in before:
            exercise, start = before.pop(row.run_id)
            rated.append((exercise, start, row.value))
    return mean_drops(rated)


def mean_drops(rated: Iterable[tuple[str, float, float]]) -> dict[str, float]:
    """Mean fall in distress per exercise, from (exercise, before, after) ratings."""
    drops: dict[str, list[float]] = {}
    for exercise, start, end in rated:
        drops.setdefault(exercise, []).append(start - end)
    return {exercise: sum(values) / len(values) for exercise, values in drops.items()}


def helpful(drops: dict[str, float]) -> list[tuple[str, float]]:
    """The exercises that lowered distress, with their mean drop, the most helpful first."""
    return sorted(((exercise, drop) for exercise, drop in drops.items() if drop > 0), key=lambda item: -item[1])


def helped_most(pseudonym: str) -> list[str]:
    """Exercises that lowered this person's distress, the most helpful first."""
    return [exercise for exercise, _ in helpful(distress_drops(pseudonym))]
