"""The escalation queue as counselors see it, and their actions on an escalation: acknowledge,
assign, note, resolve, close a flood. The form is checked here; the change itself, and what the
escalation's state allows, is bot/escalation/records.py.

Notes can hold what the person said, so their text is encrypted at rest like the conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.console.accounts import active_usernames
from bot.crypto import DecryptionError, decrypt_text
from bot.db import Escalation, EscalationNote, session_scope
from bot.escalation import records
from bot.escalation.records import ACTIVE_STATUSES, Refused, is_erased, open_takeovers
from bot.risk.model import SEVERITIES, severity_rank

OUTCOMES = {
    "reached_person": "Reached the person",
    "emergency_services": "Emergency services contacted",
    "no_risk_on_review": "No risk on review",
    "person_left": "Person left",
    "flood": "Flood or abuse (closed in bulk)",
}
MAX_NOTE_CHARS = 5000


QueueError = Refused  # an action that cannot be done; the message is shown to the counselor


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

    @property
    def erased(self) -> bool:
        return is_erased(self.conversation_id)

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


def _sort_key(view: EscalationView) -> tuple[int, datetime]:
    return (-severity_rank(view.severity) if view.severity in SEVERITIES else 1, view.created_at)


def active_escalations() -> list[EscalationView]:
    """Everything not yet resolved: most severe first, then longest waiting first."""
    with session_scope() as session:
        rows = session.execute(select(Escalation).where(Escalation.status.in_(ACTIVE_STATUSES))).scalars().all()
        takeovers = open_takeovers(session, [row.id for row in rows])
        return sorted((_view(row, takeovers.get(row.id)) for row in rows), key=_sort_key)


def get_escalation(escalation_id: int) -> EscalationView | None:
    with session_scope() as session:
        row = session.get(Escalation, escalation_id)
        return _view(row, open_takeovers(session, [row.id]).get(row.id)) if row else None


def acknowledge_escalation(escalation_id: int, counselor: str) -> None:
    """Marks it as seen by a person, which stops the notification chain."""
    with session_scope() as session:
        records.changeable(session, escalation_id)
        records.acknowledge(session, escalation_id, counselor)


def assign(escalation_id: int, actor: str, assignee: str) -> None:
    """Give the escalation to a counselor (acknowledging it first if nobody has)."""
    if assignee not in active_usernames():
        raise QueueError(f"{assignee!r} is not an active console account.")
    with session_scope() as session:
        records.assign(session, escalation_id, actor, assignee)


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
        records.add_note(session, escalation_id, author, text)


def resolve(escalation_id: int, actor: str, outcome: str, note: str) -> None:
    """Close the escalation with an outcome; imminent risk needs a note saying what was done."""
    if outcome not in OUTCOMES:
        raise QueueError("Choose an outcome: " + ", ".join(OUTCOMES.values()).lower() + ".")
    note = _clean_note(note)
    with session_scope() as session:
        records.resolve(session, escalation_id, actor, outcome, note)


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
    with session_scope() as session:
        closed, skipped = records.close_flood(session, ids, actor, note)
    return BulkClosed(closed, skipped)
