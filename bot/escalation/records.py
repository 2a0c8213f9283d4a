"""Escalation records: written the moment risk is detected, before anyone is notified.

Outbox pattern: these functions only add and change rows in the caller's session (the caller
commits). Each queued message is a pending NotificationAttempt (schedule.py); the worker
(`python -m bot.escalation.worker`) sends them. So a broken transport or a missing on-call file
never loses the record of an escalation.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Escalation, utcnow
from bot.escalation.schedule import ALERTING_SEVERITIES, cancel_pending, queue_notifications
from bot.pseudonym import pseudonymise

log = logging.getLogger(__name__)

SEVERITIES = ("low", "moderate", "high", "imminent")
ACTIVE_STATUSES = ("open", "acknowledged")


def severity_rank(severity: str) -> int:
    """Position in low < moderate < high < imminent; ValueError for anything else."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(
            f"unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}"
        ) from None


def open_escalation_for(session: Session, conversation_id: str) -> Escalation | None:
    """The conversation's newest escalation that is still open or acknowledged (found by pseudonym:
    the conversation id itself is stored encrypted)."""
    query = (
        select(Escalation)
        .where(Escalation.pseudonym == pseudonymise(conversation_id))
        .where(Escalation.status.in_(ACTIVE_STATUSES))
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def record_risk(
    session: Session,
    *,
    pseudonym: str | None = None,
    conversation_id: str,
    channel: str,
    category: str,
    severity: str,
    spans: list[dict],
    cssrs: dict | None = None,
) -> tuple[Escalation, bool]:
    """Record detected risk; returns (escalation, created).

    A conversation with an open or acknowledged escalation gets that escalation updated and no
    new alert, unless the severity rises to high or imminent (one primary alert,
    reason "severity_raised"). Otherwise a new escalation is created and one notification per
    primary contact transport is queued (reason "new").

    The stored pseudonym is always the keyed hash of conversation_id (it is how the record is found
    again: the conversation id itself is stored encrypted); a `pseudonym` argument is not used.
    """
    del pseudonym
    severity_rank(severity)
    _check_text(conversation_id=(conversation_id, 255),
                channel=(channel, 32), category=(category, 32))
    _check_spans(spans)
    existing = open_escalation_for(session, conversation_id)
    if existing is not None:
        existing.risk_count = (existing.risk_count or 0) + 1
        existing.spans = [*(existing.spans or []), *spans]
        if cssrs:
            existing.cssrs = {**(existing.cssrs or {}), **cssrs}
        _apply_severity(session, existing, severity, category)
        session.flush()
        return existing, False
    now = utcnow()
    escalation = Escalation(
        pseudonym=pseudonymise(conversation_id),
        conversation_id=conversation_id,
        channel=channel,
        category=category,
        severity=severity,
        spans=list(spans),
        cssrs=dict(cssrs or {}),
        status="open",
        risk_count=1,
        created_at=now,
        updated_at=now,
    )
    session.add(escalation)
    session.flush()
    queue_notifications(session, escalation, tier="primary", reason="new")
    log.info("escalation %s opened (severity %s, category %s)", escalation.id, severity, category)
    return escalation, True


def update_cssrs(
    session: Session, conversation_id: str, answers: dict, severity: str
) -> Escalation | None:
    """Store screener answers on the conversation's active escalation and raise its severity.

    Returns None (and logs a warning) when the conversation has no open or acknowledged
    escalation; the caller should then call record_risk.
    """
    severity_rank(severity)
    if not isinstance(answers, dict):
        raise ValueError(f"answers must be a dict, got {type(answers).__name__}")
    escalation = open_escalation_for(session, conversation_id)
    if escalation is None:
        log.warning("C-SSRS answers for a conversation without an active escalation; not stored")
        return None
    escalation.cssrs = {**(escalation.cssrs or {}), **answers}
    _apply_severity(session, escalation, severity, category=None)
    session.flush()
    return escalation


def acknowledge(session: Session, escalation_id: int, counselor: str) -> Escalation:
    """A counselor takes the escalation: the notification chain stops (pending attempts cancelled).

    Acknowledging again keeps the first counselor as assignee. LookupError for an unknown id,
    ValueError for a resolved escalation or an empty counselor name.
    """
    _check_text(counselor=(counselor, 64))
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise LookupError(f"no escalation with id {escalation_id}")
    if escalation.status == "resolved":
        raise ValueError(f"escalation {escalation_id} is already resolved")
    now = utcnow()
    if escalation.status == "open":
        escalation.status = "acknowledged"
        escalation.assignee = counselor
        escalation.acknowledged_at = now
        escalation.updated_at = now
    cancelled = cancel_pending(session, escalation_id)
    session.flush()
    log.info("escalation %s acknowledged; %d pending notification(s) cancelled",
             escalation_id, cancelled)
    return escalation


def _apply_severity(
    session: Session, escalation: Escalation, severity: str, category: str | None
) -> None:
    """Keep the highest severity; a rise to high or imminent queues one primary alert."""
    escalation.updated_at = utcnow()
    if severity_rank(severity) <= severity_rank(escalation.severity):
        return
    previous = escalation.severity
    escalation.severity = severity
    if category:
        escalation.category = category
    log.info("escalation %s severity raised from %s to %s", escalation.id, previous, severity)
    if severity in ALERTING_SEVERITIES:
        queue_notifications(session, escalation, tier="primary", reason="severity_raised")


def _check_text(**values: tuple[str, int]) -> None:
    for name, (value, limit) in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be non-empty text")
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")


def _check_spans(spans: list[dict]) -> None:
    if not isinstance(spans, list) or not all(isinstance(span, dict) for span in spans):
        raise ValueError("spans must be a list of dicts")
