"""Escalation records: written the moment risk is detected, before anyone is notified.

Outbox pattern: these functions only add and change rows in the caller's session (the caller
commits). Each queued message is a pending NotificationAttempt; the worker
(`python -m bot.escalation.worker`) sends them. So a broken transport or a missing on-call file
never loses the record of an escalation.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import Escalation, NotificationAttempt, utcnow
from bot.escalation.contacts import OncallConfig, OncallConfigError, load_oncall
from bot.pseudonym import pseudonymise

log = logging.getLogger(__name__)

SEVERITIES = ("low", "moderate", "high", "imminent")
ALERTING_SEVERITIES = ("high", "imminent")
ACTIVE_STATUSES = ("open", "acknowledged")
# Low and moderate escalations are not paged one by one: each contact gets one digest per window,
# however many arrive (a flood of lower-severity escalations becomes one message).
DIGEST_MINUTES = 15


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


def cancel_pending(session: Session, escalation_id: int) -> int:
    """Cancel every pending notification of one escalation; returns how many."""
    result = session.execute(
        update(NotificationAttempt)
        .where(NotificationAttempt.escalation_id == escalation_id)
        .where(NotificationAttempt.status == "pending")
        .values(status="cancelled")
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def queue_notifications(
    session: Session,
    escalation: Escalation,
    *,
    tier: str,
    reason: str,
    oncall: OncallConfig | None = None,
    now: datetime | None = None,
) -> list[NotificationAttempt]:
    """Queue one pending attempt per contact transport of a tier (empty if notifications are off).

    Without `oncall` the on-call file is read; a missing or invalid file queues nothing (the
    worker queues notifications for such escalations once the file is fixed) and never raises.
    High and imminent escalations page at once; lower ones join the next digest (reason "digest"),
    one per contact and transport per DIGEST_MINUTES window.
    """
    if oncall is None:
        oncall = _oncall_or_none()
    if oncall is None:
        return []
    due = now or utcnow()
    if escalation.severity not in ALERTING_SEVERITIES:
        return _queue_digest(session, escalation, tier, oncall, digest_time(due))
    attempts = [
        NotificationAttempt(
            escalation_id=escalation.id,
            contact=contact.name,
            transport=transport,
            tier=tier,
            reason=reason,
            status="pending",
            attempts=0,
            next_attempt_at=due,
            created_at=due,
        )
        for contact in oncall.tier(tier)
        for transport in contact.transports()
    ]
    session.add_all(attempts)
    return attempts


def digest_time(moment: datetime) -> datetime:
    """The end of the digest window `moment` falls in."""
    start = moment.replace(minute=moment.minute - moment.minute % DIGEST_MINUTES, second=0, microsecond=0)
    return start + timedelta(minutes=DIGEST_MINUTES)


def _queue_digest(
    session: Session, escalation: Escalation, tier: str, oncall: OncallConfig, due: datetime
) -> list[NotificationAttempt]:
    """Attempts for the next digest; the worker sends each contact one message for all of them."""
    attempts = [
        NotificationAttempt(
            escalation_id=escalation.id, contact=contact.name, transport=transport, tier=tier,
            reason="digest", status="pending", attempts=0, next_attempt_at=due, created_at=utcnow(),
        )
        for contact in oncall.tier(tier)
        for transport in contact.transports()
    ]
    session.add_all(attempts)
    return attempts


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


def _oncall_or_none() -> OncallConfig | None:
    try:
        return load_oncall()
    except OncallConfigError as exc:
        log.error("escalation recorded but no notification queued: %s", exc)
        return None


def _check_text(**values: tuple[str, int]) -> None:
    for name, (value, limit) in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be non-empty text")
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")


def _check_spans(spans: list[dict]) -> None:
    if not isinstance(spans, list) or not all(isinstance(span, dict) for span in spans):
        raise ValueError("spans must be a list of dicts")
