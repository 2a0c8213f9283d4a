"""Escalation rows for tests: the risk a conversation reports, recorded, and the notification attempts it queued."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import NotificationAttempt, session_scope
from bot.escalation import record_risk


def risk(severity: str = "high", conversation: str = "conv-1", **overrides: object) -> dict:
    """The keyword arguments of `record_risk` for one detection; overrides replace any of them."""
    values = {
        "pseudonym": "p-1",
        "conversation_id": conversation,
        "channel": "telegram",
        "category": "active_ideation",
        "severity": severity,
        "spans": [{"start": 0, "end": 4, "text": "span words"}],
    }
    return {**values, **overrides}


def open_escalation(severity: str = "high", conversation: str = "conv-1", **overrides: object) -> int:
    """Record risk in its own transaction; returns the escalation id."""
    with session_scope() as session:
        escalation, _ = record_risk(session, **risk(severity, conversation, **overrides))
        return escalation.id


def attempts(escalation_id: int) -> list[NotificationAttempt]:
    """The escalation's notification attempts in the order they were queued, detached from the session."""
    with session_scope() as session:
        query = select(NotificationAttempt).where(NotificationAttempt.escalation_id == escalation_id)
        rows = session.execute(query.order_by(NotificationAttempt.id)).scalars().all()
        session.expunge_all()
        return list(rows)
