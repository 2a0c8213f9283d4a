"""One delivery pass: every due notification attempt sent through its transport, the outcome stored.

Due digest attempts become one message per contact and transport. A failed attempt is retried with
exponential backoff until retry.max_attempts; an attempt of a resolved escalation is cancelled.
What is queued and when it falls due is schedule.py; how a message travels is transports.py.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from bot.db import Escalation, NotificationAttempt, naive_utc, session_scope
from bot.escalation.contacts import Contact, OncallConfig, load_oncall
from bot.escalation.schedule import DIGEST
from bot.escalation.transports import Alert, TransportError, Transports

log = logging.getLogger(__name__)

DELIVERY_BATCH = 100


@dataclass(frozen=True)
class _Job:
    """A due attempt, copied out of the database so no session is held while sending."""

    attempt_id: int
    contact: str
    transport: str
    escalation_status: str
    alert: Alert


@dataclass(frozen=True)
class _Outcome:
    job: _Job
    error: str | None = None
    cancelled: bool = False


async def deliver_due(now: datetime | None = None, *, oncall: OncallConfig | None = None) -> int:
    """Send every pending attempt whose time has come; returns how many were sent.

    A failure schedules a retry after base * 2**(failures-1) seconds (capped); after
    retry.max_attempts failures the attempt is marked failed with its last error.
    Reads the on-call file unless `oncall` is given; does nothing when it is missing.
    Raises OncallConfigError for an invalid file.
    """
    oncall = oncall or load_oncall()
    if oncall is None:
        return 0
    moment = naive_utc(now)
    jobs = _due_jobs(moment, oncall)
    if not jobs:
        return 0
    sending, covers = collapse_digests(jobs)
    async with Transports(oncall) as transports:
        outcomes = await asyncio.gather(*(_deliver(transports, oncall, job) for job in sending))
    _store_outcomes([
        _Outcome(covered, outcome.error, outcome.cancelled)
        for outcome in outcomes for covered in covers[outcome.job.attempt_id]
    ], moment, oncall)
    return sum(1 for outcome in outcomes if outcome.error is None and not outcome.cancelled)


def collapse_digests(jobs: list[_Job]) -> tuple[list[_Job], dict[int, list[_Job]]]:
    """Due digest attempts become one message per contact and transport (with their count);
    returns the jobs to send and, per sent attempt id, every job it stands for."""
    sending: list[_Job] = []
    covers: dict[int, list[_Job]] = {}
    leaders: dict[tuple[str, str], int] = {}
    for job in jobs:
        key = (job.contact, job.transport)
        if job.alert.reason == DIGEST and job.escalation_status != "resolved" and key in leaders:
            covers[leaders[key]].append(job)
            continue
        if job.alert.reason == DIGEST and job.escalation_status != "resolved":
            leaders[key] = job.attempt_id
        sending.append(job)
        covers[job.attempt_id] = [job]
    return [
        replace(job, alert=replace(job.alert, count=len(covers[job.attempt_id])))
        for job in sending
    ], covers


async def _deliver(transports: Transports, oncall: OncallConfig, job: _Job) -> _Outcome:
    if job.escalation_status == "resolved":
        return _Outcome(job, cancelled=True)
    try:
        address = _address(oncall.contact(job.contact), job)
        await transports.send(job.transport, address, job.alert)
    except Exception as exc:  # noqa: BLE001 - any transport failure becomes a retry
        return _Outcome(job, error=transports.describe(exc))
    return _Outcome(job)


def _due_jobs(moment: datetime, oncall: OncallConfig) -> list[_Job]:
    query = (
        select(NotificationAttempt, Escalation)
        .join(Escalation, Escalation.id == NotificationAttempt.escalation_id)
        .where(NotificationAttempt.status == "pending")
        .where(NotificationAttempt.next_attempt_at <= moment)
        .order_by(NotificationAttempt.next_attempt_at, NotificationAttempt.id)
        .limit(DELIVERY_BATCH)
    )
    with session_scope() as session:
        rows = session.execute(query).all()
        return [
            _Job(
                attempt_id=attempt.id,
                contact=attempt.contact,
                transport=attempt.transport,
                escalation_status=escalation.status,
                alert=Alert(escalation.id, escalation.severity, escalation.category, attempt.reason, attempt.tier,
                            oncall.ack_timeout_minutes),
            )
            for attempt, escalation in rows
        ]


def _store_outcomes(outcomes: list[_Outcome], moment: datetime, oncall: OncallConfig) -> None:
    with session_scope() as session:
        for outcome in outcomes:
            attempt = session.get(NotificationAttempt, outcome.job.attempt_id)
            if attempt is None:
                continue
            if outcome.cancelled:
                if attempt.status == "pending":
                    attempt.status = "cancelled"
            elif outcome.error is None:
                _mark_sent(attempt, moment)
            elif attempt.status == "pending":
                _mark_failed_try(attempt, outcome.error, moment, oncall)


def _mark_sent(attempt: NotificationAttempt, moment: datetime) -> None:
    attempt.attempts = (attempt.attempts or 0) + 1
    attempt.status = "sent"
    attempt.sent_at = moment
    attempt.last_error = None
    log.info("notification %s (escalation %s) sent to %s via %s",
             attempt.id, attempt.escalation_id, attempt.contact, attempt.transport)


def _mark_failed_try(
    attempt: NotificationAttempt, error: str, moment: datetime, oncall: OncallConfig
) -> None:
    attempt.attempts = (attempt.attempts or 0) + 1
    attempt.last_error = error
    if attempt.attempts >= oncall.retry.max_attempts:
        attempt.status = "failed"
        log.error("notification %s (escalation %s) to %s via %s FAILED after %d attempts: %s",
                  attempt.id, attempt.escalation_id, attempt.contact, attempt.transport,
                  attempt.attempts, error)
        return
    attempt.next_attempt_at = moment + oncall.retry.delay_after(attempt.attempts)
    log.warning("notification %s (escalation %s) to %s via %s failed (attempt %d), retry at %s: %s",
                attempt.id, attempt.escalation_id, attempt.contact, attempt.transport,
                attempt.attempts, attempt.next_attempt_at.isoformat(timespec="seconds"), error)


def _address(contact: Contact | None, job: _Job) -> int | str:
    if contact is None:
        raise TransportError(f"contact {job.contact!r} is no longer in the on-call file")
    address = contact.address(job.transport)
    if address is None:
        raise TransportError(f"contact {job.contact!r} has no {job.transport} address any more")
    return address
