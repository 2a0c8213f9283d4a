"""The escalation queue and what counselors do with an escalation: acknowledge, assign, note, resolve.

Notes can hold what the person said, so their text is encrypted at rest like the conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.accounts import active_usernames
from bot.crypto import DecryptionError, decrypt_text, encrypt_text
from bot.db import Escalation, EscalationNote, Takeover, session_scope, utcnow
from bot.escalation.records import ACTIVE_STATUSES, SEVERITIES, acknowledge, severity_rank

OUTCOMES = {
    "reached_person": "Reached the person",
    "emergency_services": "Emergency services contacted",
    "no_risk_on_review": "No risk on review",
    "person_left": "Person left",
    "flood": "Flood or abuse (closed in bulk)",
}
MAX_NOTE_CHARS = 5000


class QueueError(ValueError):
    """An action that cannot be done; the message is shown to the counselor."""


@dataclass(frozen=True)
class EscalationView:
    id: int
    pseudonym: str
    conversation_id: str
    channel: str
    category: str
    severity: str
    spans: list[dict]
    cssrs: dict
    status: str
    assignee: str | None
    outcome: str | None
    risk_count: int
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    taken_over_by: str | None

    def waiting(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.created_at

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome or "", self.outcome or "")


@dataclass(frozen=True)
class Note:
    author: str
    kind: str
    text: str
    created_at: datetime


def _view(escalation: Escalation, taken_over_by: str | None) -> EscalationView:
    return EscalationView(
        escalation.id, escalation.pseudonym, escalation.conversation_id, escalation.channel, escalation.category,
        escalation.severity, list(escalation.spans or []), dict(escalation.cssrs or {}), escalation.status,
        escalation.assignee, escalation.outcome, escalation.risk_count or 1, escalation.created_at,
        escalation.acknowledged_at, escalation.resolved_at, taken_over_by,
    )


def _takeovers(session: Session, ids: list[int]) -> dict[int, str]:
    query = select(Takeover.escalation_id, Takeover.counselor).where(Takeover.escalation_id.in_(ids))
    return dict(session.execute(query.where(Takeover.ended_at.is_(None))).all())


def _sort_key(view: EscalationView) -> tuple[int, datetime]:
    return (-severity_rank(view.severity) if view.severity in SEVERITIES else 1, view.created_at)


def active_escalations() -> list[EscalationView]:
    """Everything not yet resolved: most severe first, then longest waiting first."""
    with session_scope() as session:
        rows = session.execute(select(Escalation).where(Escalation.status.in_(ACTIVE_STATUSES))).scalars().all()
        takeovers = _takeovers(session, [row.id for row in rows])
        return sorted((_view(row, takeovers.get(row.id)) for row in rows), key=_sort_key)


def get_escalation(escalation_id: int) -> EscalationView | None:
    with session_scope() as session:
        row = session.get(Escalation, escalation_id)
        return _view(row, _takeovers(session, [row.id]).get(row.id)) if row else None


def _load(session: Session, escalation_id: int, *, unresolved: bool = True) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise QueueError(f"There is no escalation #{escalation_id}.")
    if unresolved and escalation.status == "resolved":
        raise QueueError(f"Escalation #{escalation_id} is already resolved.")
    return escalation


def acknowledge_escalation(escalation_id: int, counselor: str) -> None:
    """Marks it as seen by a person, which stops the notification chain."""
    with session_scope() as session:
        _load(session, escalation_id)
        acknowledge(session, escalation_id, counselor)


def assign(escalation_id: int, actor: str, assignee: str) -> None:
    """Give the escalation to a counselor (acknowledging it first if nobody has)."""
    if assignee not in active_usernames():
        raise QueueError(f"{assignee!r} is not an active console account.")
    with session_scope() as session:
        escalation = _load(session, escalation_id)
        acknowledge(session, escalation_id, actor)
        escalation.assignee = assignee
        escalation.updated_at = utcnow()


def _clean_note(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise QueueError(f"A note can be at most {MAX_NOTE_CHARS} characters (this one has {len(text)}).")
    return text


def add_note(escalation_id: int, author: str, text: str) -> None:
    text = _clean_note(text)
    if not text:
        raise QueueError("The note is empty.")
    with session_scope() as session:
        _load(session, escalation_id, unresolved=False)
        session.add(EscalationNote(escalation_id=escalation_id, author=author, kind="note", text=encrypt_text(text)))


def resolve(escalation_id: int, actor: str, outcome: str, note: str) -> None:
    """Close the escalation with an outcome; imminent risk needs a note saying what was done."""
    if outcome not in OUTCOMES:
        raise QueueError("Choose an outcome: " + ", ".join(OUTCOMES.values()).lower() + ".")
    note = _clean_note(note)
    with session_scope() as session:
        escalation = _load(session, escalation_id)
        if escalation.severity == "imminent" and not note:
            raise QueueError("This is an imminent-risk escalation: write a note saying what was done before resolving.")
        if _takeovers(session, [escalation_id]):
            raise QueueError("A counselor is still talking to this person: hand the conversation back first.")
        acknowledge(session, escalation_id, actor)
        now = utcnow()
        escalation.status, escalation.outcome = "resolved", outcome
        escalation.resolved_at = escalation.updated_at = now
        if note:
            session.add(EscalationNote(escalation_id=escalation_id, author=actor, kind="resolution",
                                       text=encrypt_text(note)))


def notes(escalation_id: int) -> list[Note]:
    with session_scope() as session:
        rows = session.execute(
            select(EscalationNote).where(EscalationNote.escalation_id == escalation_id).order_by(EscalationNote.id)
        ).scalars()
        return [Note(row.author, row.kind, _readable(row.text), row.created_at) for row in rows]


def _readable(stored: str) -> str:
    try:
        return decrypt_text(stored)
    except DecryptionError:
        return "[This note was encrypted with another key and cannot be read.]"


@dataclass(frozen=True)
class BulkClosed:
    closed: list[int]
    skipped: list[int]  # taken over or already resolved


def parse_ids(text: str, limit: int = 1000) -> list[int]:
    """Escalation numbers from "12-40, 45 46" (ranges and single numbers)."""
    ids: set[int] = set()
    for part in text.replace(",", " ").split():
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise QueueError(f"{part!r} is not an escalation number or a range like 12-40.")
        low, high = int(first), int(last or first)
        if high < low or len(ids) + high - low + 1 > limit:
            raise QueueError(f"Give at most {limit} escalation numbers, lowest first in a range.")
        ids.update(range(low, high + 1))
    return sorted(ids)


def close_many(ids: list[int], actor: str, note: str) -> BulkClosed:
    """Supervisors close a flood at once: every listed active escalation is resolved as "flood" with
    the same note (required); those under a takeover are left alone."""
    note = _clean_note(note)
    if not note:
        raise QueueError("Write a note saying why these escalations are closed together.")
    closed: list[int] = []
    skipped: list[int] = []
    with session_scope() as session:
        rows = session.execute(select(Escalation).where(Escalation.id.in_(ids))).scalars().all()
        taken = _takeovers(session, [row.id for row in rows])
        for escalation in rows:
            if escalation.status == "resolved" or escalation.id in taken:
                skipped.append(escalation.id)
                continue
            acknowledge(session, escalation.id, actor)
            now = utcnow()
            escalation.status, escalation.outcome = "resolved", "flood"
            escalation.resolved_at = escalation.updated_at = now
            session.add(EscalationNote(escalation_id=escalation.id, author=actor, kind="resolution",
                                       text=encrypt_text(note)))
            closed.append(escalation.id)
    return BulkClosed(sorted(closed), sorted(skipped))
