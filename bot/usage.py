"""The usage log: exercise starts, steps, ratings, completions and abandonments, pseudonymously."""

from __future__ import annotations

from dataclasses import dataclass

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
            )
        )


def history(pseudonym: str, limit: int = 200) -> list[UsageEvent]:
    """A person's most recent usage rows, oldest first."""
    with session_scope() as session:
        rows = (
            session.query(UsageEvent)
            .filter(UsageEvent.pseudonym == pseudonym)
            .order_by(UsageEvent.id.desc())
            .limit(limit)
            .all()
        )
        session.expunge_all()
    return list(reversed(rows))
