"""The audit trail: every page view and action in the console, with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.db import AuditEntry, session_scope

PAGE_SIZE = 200


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    actor: str
    action: str
    escalation_id: int | None
    detail: str | None
    address: str | None


def record(actor: str, action: str, *, escalation_id: int | None = None, detail: str | None = None,
           address: str | None = None) -> None:
    with session_scope() as session:
        session.add(AuditEntry(actor=actor[:64], action=action[:48], escalation_id=escalation_id,
                               detail=(detail or None) and detail[:2000], address=(address or "")[:64] or None))


def entries(*, actor: str | None = None, escalation_id: int | None = None, before_id: int | None = None,
            limit: int = PAGE_SIZE) -> list[AuditRow]:
    """Newest first; `before_id` pages back through older entries."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if escalation_id is not None:
        query = query.where(AuditEntry.escalation_id == escalation_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    with session_scope() as session:
        return [
            AuditRow(row.id, row.created_at, row.actor, row.action, row.escalation_id, row.detail, row.address)
            for row in session.execute(query).scalars()
        ]
