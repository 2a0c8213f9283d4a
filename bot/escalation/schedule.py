"""Scheduling notifications: which attempts are queued, for which contacts, and when they fall due.

Rows only, no I/O (bot/escalation/notify.py sends what falls due). Each message is one pending
NotificationAttempt per contact transport of a tier. High and imminent escalations page at once;
lower ones join the next digest: each contact gets one message per DIGEST_MINUTES window, however
many arrive (a flood of lower-severity escalations becomes one message).

Besides the attempts that records.py queues when an escalation opens or rises, the worker asks on
every pass for
- `queue_unnotified()`        primary alerts for escalations recorded while notifications were off
- `escalate_unacknowledged()` the backup tier for escalations nobody acknowledged in time
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import Escalation, NotificationAttempt, naive_utc, session_scope, utcnow
from bot.escalation.contacts import OncallConfig, OncallConfigError, load_oncall

log = logging.getLogger(__name__)

ALERTING_SEVERITIES = ("high", "imminent")
DIGEST_MINUTES = 15
# Why a notification is queued: a new escalation, a rise to high or imminent, a digest of lower ones,
# or the backup tier because nobody acknowledged in time.
NEW, SEVERITY_RAISED, DIGEST, UNACKNOWLEDGED = "new", "severity_raised", "digest", "unacknowledged"
REASONS = (NEW, SEVERITY_RAISED, DIGEST, UNACKNOWLEDGED)


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
    High and imminent escalations page at once; lower ones join the next digest (reason DIGEST).
    ValueError for a reason not in REASONS.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown notification reason {reason!r}; expected one of {', '.join(REASONS)}")
    if oncall is None:
        oncall = _oncall_or_none()
    if oncall is None:
        return []
    moment = now or utcnow()
    paged = escalation.severity in ALERTING_SEVERITIES
    due, created = (moment, moment) if paged else (digest_time(moment), utcnow())
    attempts = [
        NotificationAttempt(escalation_id=escalation.id, contact=contact.name, transport=transport, tier=tier,
                            reason=reason if paged else DIGEST, status="pending", attempts=0,
                            next_attempt_at=due, created_at=created)
        for contact in oncall.tier(tier)
        for transport in contact.transports()
    ]
    session.add_all(attempts)
    return attempts


def digest_time(moment: datetime) -> datetime:
    """The end of the digest window `moment` falls in."""
    start = moment.replace(minute=moment.minute - moment.minute % DIGEST_MINUTES, second=0, microsecond=0)
    return start + timedelta(minutes=DIGEST_MINUTES)


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


def escalate_unacknowledged(
    now: datetime | None = None, *, oncall: OncallConfig | None = None
) -> int:
    """Queue the backup tier, once, for escalations still open after ack_timeout_minutes.

    Returns how many escalations were handed to the backup tier (0 without backup contacts).
    """
    oncall = oncall or load_oncall()
    if oncall is None or not oncall.backup:
        return 0
    moment = naive_utc(now)
    cutoff = moment - timedelta(minutes=oncall.ack_timeout_minutes)
    already = select(NotificationAttempt.escalation_id).where(
        NotificationAttempt.tier == "backup", NotificationAttempt.reason == UNACKNOWLEDGED
    )
    query = (
        select(Escalation)
        .where(Escalation.status == "open")
        .where(Escalation.created_at <= cutoff)
        .where(Escalation.id.not_in(already))
    )
    with session_scope() as session:
        overdue = session.execute(query).scalars().all()
        for escalation in overdue:
            queue_notifications(
                session, escalation, tier="backup", reason=UNACKNOWLEDGED,
                oncall=oncall, now=moment,
            )
            log.warning("escalation %s not acknowledged in %g minutes: backup tier alerted",
                        escalation.id, oncall.ack_timeout_minutes)
    return len(overdue)


def queue_unnotified(now: datetime | None = None, *, oncall: OncallConfig | None = None) -> int:
    """Queue primary alerts for open escalations that have none (recorded while the on-call
    file was missing or invalid). Returns how many escalations were queued."""
    oncall = oncall or load_oncall()
    if oncall is None:
        return 0
    moment = naive_utc(now)
    notified = select(NotificationAttempt.escalation_id).where(
        NotificationAttempt.tier == "primary"
    )
    query = select(Escalation).where(Escalation.status == "open").where(
        Escalation.id.not_in(notified)
    )
    with session_scope() as session:
        waiting = session.execute(query).scalars().all()
        for escalation in waiting:
            queue_notifications(
                session, escalation, tier="primary", reason=NEW, oncall=oncall, now=moment
            )
            log.info("escalation %s had no notification queued: primary tier queued now",
                     escalation.id)
    return len(waiting)


def _oncall_or_none() -> OncallConfig | None:
    try:
        return load_oncall()
    except OncallConfigError as exc:
        log.error("escalation recorded but no notification queued: %s", exc)
        return None
