"""How an alert reaches an on-call counselor: Telegram, email or a JSON webhook.

An alert carries only the escalation id, severity, category, why it is sent and a console link.
It is built from those fields alone, so the person's words, pseudonym and conversation id
cannot reach a transport. What is sent when is decided elsewhere (schedule.py, notify.py).
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
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiohttp
import telegram
from telegram.request import HTTPXRequest

from bot import config
from bot.escalation.contacts import OncallConfig, SmtpSettings
from bot.escalation.schedule import DIGEST, SEVERITY_RAISED, UNACKNOWLEDGED

log = logging.getLogger(__name__)


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
        if self.reason == SEVERITY_RAISED:
            return f"Severity raised to {self.severity.upper()} on an open escalation."
        if self.reason == DIGEST:
            return (f"Digest: {self.count} lower-severity escalation(s) in the last few minutes. "
                    "Open the queue to see every waiting escalation.")
        if self.reason == UNACKNOWLEDGED:
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


class TransportError(RuntimeError):
    """A transport could not deliver; the message is safe to store and log."""


MAX_ERROR_LENGTH = 500  # of a failure's description, as stored and logged


class Transports:
    """The transports for one delivery pass (one Telegram bot, one HTTP session)."""

    def __init__(self, oncall: OncallConfig) -> None:
        self.oncall = oncall
        self._bot: telegram.Bot | None = None
        self._bot_lock = asyncio.Lock()
        self._http: aiohttp.ClientSession | None = None
        self._redactions: dict[str, str] = {}

    async def __aenter__(self) -> Transports:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._bot is not None:
            try:
                await self._bot.shutdown()
            except Exception:  # noqa: BLE001 - closing must not hide the delivery results
                log.debug("closing the Telegram client failed", exc_info=True)
        if self._http is not None:
            await self._http.close()

    async def send(self, transport: str, address: int | str, alert: Alert) -> None:
        """Send one alert; raises on any failure (TimeoutError past an outer limit)."""
        await asyncio.wait_for(self._send(transport, address, alert), self._limit())

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

    def describe(self, exc: BaseException) -> str:
        """The failure in words safe to store and log: secrets replaced, at most MAX_ERROR_LENGTH."""
        if isinstance(exc, asyncio.TimeoutError):
            text = "timed out"
        elif isinstance(exc, TransportError):
            text = str(exc)
        else:
            text = f"{type(exc).__name__}: {exc}"
        for secret, placeholder in self._redactions.items():
            text = text.replace(secret, placeholder)
        return text[:MAX_ERROR_LENGTH]


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
