"""Sending queued escalation notifications: Telegram, email and JSON webhook.

An alert carries only the escalation id, severity, category, why it is sent and a console link.
It is built from those fields alone, so the person's words, pseudonym and conversation id
cannot reach a transport.

The worker calls, on every pass:
- `queue_unnotified()`      primary alerts for escalations recorded while notifications were off
- `escalate_unacknowledged()` the backup tier for escalations nobody acknowledged in time
- `deliver_due()`           sends due attempts; retries failures with exponential backoff
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiohttp
import telegram
from sqlalchemy import select
from telegram.request import HTTPXRequest

from bot import config
from bot.db import Escalation, NotificationAttempt, session_scope
from bot.escalation.contacts import Contact, OncallConfig, SmtpSettings, load_oncall
from bot.escalation.records import queue_notifications

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 500
DELIVERY_BATCH = 100


class TransportError(RuntimeError):
    """A transport could not deliver; the message is safe to store and log."""


@dataclass(frozen=True)
class Alert:
    """What an on-call counselor is told. Never holds the person's words or identifiers."""

    escalation_id: int
    severity: str
    category: str
    reason: str
    tier: str
    ack_timeout_minutes: float
    count: int = 1  # how many escalations a digest stands for

    @property
    def link(self) -> str:
        return f"{config.console_url()}/escalations/{self.escalation_id}"

    def subject(self) -> str:
        return f"[Steady] Escalation #{self.escalation_id}: {self.severity} risk"

    def headline(self) -> str:
        if self.reason == "severity_raised":
            return f"Severity raised to {self.severity.upper()} on an open escalation."
        if self.reason == "digest":
            return (f"Digest: {self.count} lower-severity escalation(s) in the last few minutes. "
                    "Open the queue to see every waiting escalation.")
        if self.reason == "unacknowledged":
            return (
                f"Nobody acknowledged this escalation within {self.ack_timeout_minutes:g} "
                "minutes. You are the backup contact."
            )
        return "Risk was detected in a conversation with Steady."

    def text(self) -> str:
        return "\n".join(
            [
                f"Steady escalation #{self.escalation_id} - severity {self.severity.upper()}",
                self.headline(),
                f"Category: {self.category}",
                f"Open it in the counselor console: {self.link}",
                "Acknowledge it there to stop further alerts.",
            ]
        )

    def payload(self) -> dict:
        return {
            "event": "steady.escalation",
            "escalation_id": self.escalation_id,
            "severity": self.severity,
            "category": self.category,
            "reason": self.reason,
            "tier": self.tier,
            "url": self.link,
            "text": self.text(),
        }


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
    moment = _naive_utc(now)
    jobs = _due_jobs(moment, oncall)
    if not jobs:
        return 0
    sending, covers = collapse_digests(jobs)
    async with _Senders(oncall) as senders:
        outcomes = await asyncio.gather(*(senders.deliver(job) for job in sending))
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
        if job.alert.reason == "digest" and job.escalation_status != "resolved" and key in leaders:
            covers[leaders[key]].append(job)
            continue
        if job.alert.reason == "digest" and job.escalation_status != "resolved":
            leaders[key] = job.attempt_id
        sending.append(job)
        covers[job.attempt_id] = [job]
    return [
        replace(job, alert=replace(job.alert, count=len(covers[job.attempt_id])))
        for job in sending
    ], covers


def escalate_unacknowledged(
    now: datetime | None = None, *, oncall: OncallConfig | None = None
) -> int:
    """Queue the backup tier, once, for escalations still open after ack_timeout_minutes.

    Returns how many escalations were handed to the backup tier (0 without backup contacts).
    """
    oncall = oncall or load_oncall()
    if oncall is None or not oncall.backup:
        return 0
    moment = _naive_utc(now)
    cutoff = moment - timedelta(minutes=oncall.ack_timeout_minutes)
    already = select(NotificationAttempt.escalation_id).where(
        NotificationAttempt.tier == "backup", NotificationAttempt.reason == "unacknowledged"
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
                session, escalation, tier="backup", reason="unacknowledged",
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
    moment = _naive_utc(now)
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
                session, escalation, tier="primary", reason="new", oncall=oncall, now=moment
            )
            log.info("escalation %s had no notification queued: primary tier queued now",
                     escalation.id)
    return len(waiting)


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
                alert=Alert(
                    escalation_id=escalation.id,
                    severity=escalation.severity,
                    category=escalation.category,
                    reason=attempt.reason,
                    tier=attempt.tier,
                    ack_timeout_minutes=oncall.ack_timeout_minutes,
                ),
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


class _Senders:
    """The transports for one delivery pass (one Telegram bot, one HTTP session)."""

    def __init__(self, oncall: OncallConfig) -> None:
        self.oncall = oncall
        self._bot: telegram.Bot | None = None
        self._bot_lock = asyncio.Lock()
        self._http: aiohttp.ClientSession | None = None
        self._redactions: dict[str, str] = {}

    async def __aenter__(self) -> _Senders:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._bot is not None:
            try:
                await self._bot.shutdown()
            except Exception:  # noqa: BLE001 - closing must not hide the delivery results
                log.debug("closing the Telegram client failed", exc_info=True)
        if self._http is not None:
            await self._http.close()

    async def deliver(self, job: _Job) -> _Outcome:
        if job.escalation_status == "resolved":
            return _Outcome(job, cancelled=True)
        contact = self.oncall.contact(job.contact)
        try:
            address = _address(contact, job)
            await asyncio.wait_for(self._send(job.transport, address, job.alert), self._limit())
        except Exception as exc:  # noqa: BLE001 - any transport failure becomes a retry
            return _Outcome(job, error=self._describe(exc))
        return _Outcome(job)

    async def _send(self, transport: str, address: int | str, alert: Alert) -> None:
        if transport == "telegram":
            await self._send_telegram(address, alert)
        elif transport == "email":
            await self._send_email(str(address), alert)
        elif transport == "webhook":
            await self._send_webhook(str(address), alert)
        else:
            raise TransportError(f"unknown transport {transport!r}")

    def _limit(self) -> float:
        """Outer bound on one send, above every transport's own timeouts."""
        settings = (self.oncall.smtp, self.oncall.telegram, self.oncall.webhook)
        return 3 * max(s.timeout_seconds for s in settings if s is not None) + 5

    async def _telegram_bot(self) -> telegram.Bot:
        settings = self.oncall.telegram
        if settings is None:
            raise TransportError("the on-call file has no 'telegram' section")
        async with self._bot_lock:
            if self._bot is None:
                token = settings.token()
                self._redactions[token] = "<telegram token>"
                timeout = settings.timeout_seconds
                request = HTTPXRequest(
                    connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout
                )
                options = {"base_url": settings.base_url} if settings.base_url else {}
                bot = telegram.Bot(token, request=request, **options)
                try:
                    await bot.initialize()
                except Exception:
                    await bot.shutdown()
                    raise
                self._bot = bot
        return self._bot

    async def _send_telegram(self, chat_id: int | str, alert: Alert) -> None:
        bot = await self._telegram_bot()
        await bot.send_message(chat_id=chat_id, text=alert.text())

    async def _send_email(self, to: str, alert: Alert) -> None:
        settings = self.oncall.smtp
        if settings is None:
            raise TransportError("the on-call file has no 'smtp' section")
        password = settings.password()
        if password:
            self._redactions[password] = "<smtp password>"
        await asyncio.to_thread(_send_email_blocking, settings, password, to, alert)

    async def _send_webhook(self, url: str, alert: Alert) -> None:
        settings = self.oncall.webhook
        self._redactions[url] = "<webhook url>"
        body = json.dumps(alert.payload(), sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "steady-escalation/1"}
        secret = settings.secret()
        if secret:
            self._redactions[secret] = "<webhook secret>"
            digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
            headers["X-Steady-Signature"] = f"sha256={digest}"
        if self._http is None:
            self._http = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)
        async with self._http.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        ) as response:
            if response.status >= 300:
                raise TransportError(f"webhook answered HTTP {response.status}")

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, asyncio.TimeoutError):
            text = "timed out"
        elif isinstance(exc, TransportError):
            text = str(exc)
        else:
            text = f"{type(exc).__name__}: {exc}"
        for secret, placeholder in self._redactions.items():
            text = text.replace(secret, placeholder)
        return text[:MAX_ERROR_LENGTH]


def _address(contact: Contact | None, job: _Job) -> int | str:
    if contact is None:
        raise TransportError(f"contact {job.contact!r} is no longer in the on-call file")
    address = contact.address(job.transport)
    if address is None:
        raise TransportError(f"contact {job.contact!r} has no {job.transport} address any more")
    return address


def _send_email_blocking(
    settings: SmtpSettings, password: str | None, to: str, alert: Alert
) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = alert.subject()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    message.set_content(alert.text())
    with smtplib.SMTP(
        settings.host, settings.port, local_hostname=socket.gethostname(),
        timeout=settings.timeout_seconds,
    ) as smtp:
        smtp.ehlo()
        if settings.starttls:
            if not smtp.has_extn("starttls"):
                raise TransportError(
                    "the SMTP server does not offer STARTTLS (smtp.starttls is true)"
                )
            smtp.starttls(context=ssl.create_default_context(cafile=settings.ca_file))
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, password or "")
        smtp.send_message(message)


def _naive_utc(moment: datetime | None) -> datetime:
    """The database stores naive UTC; accept naive (taken as UTC) or aware datetimes."""
    if moment is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
