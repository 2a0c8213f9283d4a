"""Escalation notifications end to end, against real servers on 127.0.0.1.

Telegram: tests.support.telegram_api (python-telegram-bot talks HTTP to it); email: aiosmtpd;
webhook: an aiohttp receiver. Time is driven by passing `now`, never by sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.db import Escalation, NotificationAttempt, session_scope, utcnow
from bot.escalation import acknowledge, record_risk, update_cssrs
from bot.escalation.contacts import OncallConfigError
from bot.escalation.notify import deliver_due
from bot.escalation.schedule import escalate_unacknowledged, queue_unnotified
from tests.support.escalations import attempts, open_escalation
from tests.support.smtp import SmtpServer, make_test_certificate
from tests.support.steady_env import CONSOLE_URL, SteadyPaths, isolate_steady, write_oncall
from tests.support.telegram_api import FakeTelegramApi
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration

TOKEN = "7000001:notifier-test-token"
TOKEN_ENV = "STEADY_TEST_NOTIFIER_TOKEN"
PRIMARY_CHAT, BACKUP_CHAT = 111, 222
BASE_DELAY = timedelta(seconds=30)


@dataclass
class Stack:
    paths: SteadyPaths
    telegram: FakeTelegramApi
    hook: WebhookReceiver
    smtp: SmtpServer

    def oncall(self, **overrides: object) -> dict:
        return {
            "ack_timeout_minutes": 10,
            "retry": {"max_attempts": 3, "base_delay_seconds": 30, "max_delay_seconds": 300},
            "primary": [
                {
                    "name": "Ana",
                    "telegram_chat_id": PRIMARY_CHAT,
                    "email": "ana@example.org",
                    "webhook_url": self.hook.url("/primary"),
                }
            ],
            "backup": [{"name": "Bo", "telegram_chat_id": BACKUP_CHAT, "webhook_url": self.hook.url("/backup")}],
            "smtp": {
                "host": "127.0.0.1",
                "port": self.smtp.port,
                "from": "steady-alerts@example.org",
                "starttls": False,
                "timeout_seconds": 5,
            },
            "telegram": {"token_env": TOKEN_ENV, "base_url": self.telegram.base_url, "timeout_seconds": 5},
            "webhook": {"timeout_seconds": 5},
            **overrides,
        }

    def write_oncall(self, **overrides: object) -> None:
        write_oncall(self.paths.oncall_file, self.oncall(**overrides))


@pytest_asyncio.fixture
async def stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Stack]:
    paths = isolate_steady(monkeypatch, tmp_path)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    async with AsyncExitStack() as servers:
        result = Stack(
            paths=paths,
            telegram=await servers.enter_async_context(FakeTelegramApi(token=TOKEN)),
            hook=await servers.enter_async_context(WebhookReceiver()),
            smtp=await servers.enter_async_context(SmtpServer()),
        )
        result.write_oncall()
        yield result


def one(escalation_id: int, transport: str, tier: str = "primary") -> NotificationAttempt:
    matching = [a for a in attempts(escalation_id) if a.transport == transport and a.tier == tier]
    assert len(matching) == 1, matching
    return matching[0]


def sent_texts(stack: Stack, chat_id: int) -> list[str]:
    return [m["text"] for m in stack.telegram.sent_messages if m["chat"]["id"] == chat_id]


def later(minutes: float = 0, seconds: float = 0) -> datetime:
    return utcnow() + timedelta(minutes=minutes, seconds=seconds)


@pytest.mark.asyncio
async def test_a_new_escalation_notifies_all_three_transports(stack: Stack) -> None:
    escalation_id = open_escalation("high")

    assert await deliver_due() == 3

    link = f"{CONSOLE_URL}/escalations/{escalation_id}"
    [text] = sent_texts(stack, PRIMARY_CHAT)
    assert f"#{escalation_id}" in text and "HIGH" in text and "active_ideation" in text
    assert link in text
    [mail] = stack.smtp.messages
    assert mail.rcpt_tos == ["ana@example.org"]
    assert mail.message["Subject"] == f"[Steady] Escalation #{escalation_id}: high risk"
    assert link in mail.body_text()
    [post] = stack.hook.requests
    assert post.path == "/primary"
    payload = post.json()
    assert payload["escalation_id"] == escalation_id
    assert (payload["severity"], payload["category"], payload["reason"]) == (
        "high",
        "active_ideation",
        "new",
    )
    assert payload["url"] == link
    assert {(a.status, a.attempts) for a in attempts(escalation_id)} == {("sent", 1)}
    assert all(a.sent_at is not None and a.last_error is None for a in attempts(escalation_id))

    assert await deliver_due(later(minutes=60)) == 0
    assert len(stack.telegram.calls("sendMessage")) == 1 and len(stack.hook.requests) == 1


@pytest.mark.asyncio
async def test_a_failing_transport_is_retried_with_exponential_backoff(stack: Stack) -> None:
    escalation_id = open_escalation()
    stack.telegram.fail_next("sendMessage", count=2)
    start = utcnow()

    assert await deliver_due(start) == 2  # email and webhook; Telegram failed
    first_retry = one(escalation_id, "telegram")
    assert (first_retry.status, first_retry.attempts) == ("pending", 1)
    assert first_retry.next_attempt_at == start + BASE_DELAY
    assert "failure injected" in first_retry.last_error

    assert await deliver_due(start + BASE_DELAY - timedelta(seconds=1)) == 0
    assert len(stack.telegram.calls("sendMessage")) == 1

    second_try_at = start + BASE_DELAY
    assert await deliver_due(second_try_at) == 0
    second_retry = one(escalation_id, "telegram")
    assert second_retry.attempts == 2
    assert second_retry.next_attempt_at == second_try_at + 2 * BASE_DELAY

    assert await deliver_due(second_try_at + 2 * BASE_DELAY) == 1
    done = one(escalation_id, "telegram")
    assert (done.status, done.attempts, done.last_error) == ("sent", 3, None)
    statuses = [call.http_status for call in stack.telegram.calls("sendMessage")]
    assert statuses == [500, 500, 200]
    assert len(sent_texts(stack, PRIMARY_CHAT)) == 1


@pytest.mark.asyncio
async def test_an_attempt_fails_for_good_after_max_attempts(stack: Stack) -> None:
    escalation_id = open_escalation()
    stack.hook.fail_next(3, status=503)
    moment = utcnow()
    for _ in range(3):
        await deliver_due(moment)
        moment += timedelta(minutes=10)
    failed = one(escalation_id, "webhook")
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.last_error == "webhook answered HTTP 503"
    assert await deliver_due(moment + timedelta(hours=1)) == 0
    assert len(stack.hook.requests) == 3


@pytest.mark.asyncio
async def test_repeated_risk_in_a_conversation_sends_no_new_alert(stack: Stack) -> None:
    escalation_id = open_escalation("high")
    assert await deliver_due() == 3
    assert open_escalation("high") == escalation_id
    assert open_escalation("moderate") == escalation_id

    assert await deliver_due(later(minutes=1)) == 0
    assert len(stack.telegram.sent_messages) == 1
    assert len(stack.smtp.messages) == 1 and len(stack.hook.requests) == 1
    with session_scope() as session:
        assert session.get(Escalation, escalation_id).risk_count == 3


@pytest.mark.asyncio
async def test_a_rise_to_imminent_sends_exactly_one_more_alert(stack: Stack) -> None:
    escalation_id = open_escalation("moderate")
    assert await deliver_due() == 0, "a moderate escalation waits for the digest"
    assert await deliver_due(later(minutes=15)) == 3
    assert open_escalation("imminent") == escalation_id
    assert open_escalation("imminent") == escalation_id

    assert await deliver_due(later(seconds=1)) == 3
    texts = sent_texts(stack, PRIMARY_CHAT)
    assert len(texts) == 2
    assert "Severity raised to IMMINENT" in texts[1]
    assert stack.hook.requests[1].json()["reason"] == "severity_raised"
    assert "imminent risk" in stack.smtp.messages[1].message["Subject"]


@pytest.mark.asyncio
async def test_screener_answers_that_raise_severity_alert_once(stack: Stack) -> None:
    escalation_id = open_escalation("moderate")
    await deliver_due()
    with session_scope() as session:
        update_cssrs(session, "conv-1", {"wish_to_be_dead": True}, "high")
    assert await deliver_due(later(seconds=1)) == 3
    assert "Severity raised to HIGH" in sent_texts(stack, PRIMARY_CHAT)[-1]
    webhook_reasons = [a.reason for a in attempts(escalation_id) if a.transport == "webhook"]
    assert webhook_reasons == ["digest", "severity_raised"]


@pytest.mark.asyncio
async def test_an_unacknowledged_escalation_goes_to_the_backup_once(stack: Stack) -> None:
    escalation_id = open_escalation()
    assert await deliver_due() == 3

    assert escalate_unacknowledged(later(minutes=9)) == 0
    assert escalate_unacknowledged(later(minutes=11)) == 1
    assert await deliver_due(later(minutes=11)) == 2

    [text] = sent_texts(stack, BACKUP_CHAT)
    assert "within 10 minutes" in text and "backup" in text
    backup_posts = [r for r in stack.hook.requests if r.path == "/backup"]
    assert [r.json()["reason"] for r in backup_posts] == ["unacknowledged"]
    assert {a.reason for a in attempts(escalation_id) if a.tier == "backup"} == {"unacknowledged"}

    assert escalate_unacknowledged(later(minutes=30)) == 0
    assert await deliver_due(later(minutes=30)) == 0
    assert len(sent_texts(stack, BACKUP_CHAT)) == 1


@pytest.mark.asyncio
async def test_an_acknowledged_escalation_does_not_go_to_the_backup(stack: Stack) -> None:
    escalation_id = open_escalation()
    await deliver_due()
    with session_scope() as session:
        acknowledge(session, escalation_id, "counselor-7")
    assert escalate_unacknowledged(later(minutes=60)) == 0
    assert sent_texts(stack, BACKUP_CHAT) == []


@pytest.mark.asyncio
async def test_acknowledging_stops_pending_retries(stack: Stack) -> None:
    escalation_id = open_escalation()
    stack.telegram.fail_next("sendMessage", count=10)
    stack.hook.fail_next(10)
    start = utcnow()
    assert await deliver_due(start) == 1  # only email got through

    with session_scope() as session:
        acknowledge(session, escalation_id, "counselor-7")
    assert await deliver_due(start + timedelta(hours=2)) == 0
    assert len(stack.telegram.calls("sendMessage")) == 1
    assert len(stack.hook.requests) == 1
    assert one(escalation_id, "telegram").status == "cancelled"
    assert one(escalation_id, "webhook").status == "cancelled"
    assert one(escalation_id, "email").status == "sent"


@pytest.mark.asyncio
async def test_no_words_or_identifiers_of_the_person_reach_any_transport(stack: Stack) -> None:
    words = "nobody would notice if I was gone tonight"
    private = [words, "pseudo-zq81x", "tg-5550001234", "screener said zq81x"]
    with session_scope() as session:
        escalation, _ = record_risk(
            session,
            pseudonym="pseudo-zq81x",
            conversation_id="tg-5550001234",
            channel="telegram",
            category="active_ideation",
            severity="moderate",
            spans=[{"start": 0, "end": len(words), "text": words}],
            cssrs={"note": "screener said zq81x"},
        )
        escalation_id = escalation.id
    with session_scope() as session:
        update_cssrs(session, "tg-5550001234", {"q2": "screener said zq81x"}, "imminent")
    await deliver_due()
    escalate_unacknowledged(later(minutes=11))
    await deliver_due(later(minutes=11))
    await deliver_due(later(minutes=16))  # the moderate escalation's digest

    telegram_bodies = [json.dumps(call.params) for call in stack.telegram.requests]
    mail_bodies = [mail.raw.decode("utf-8", "replace") for mail in stack.smtp.messages]
    hook_bodies = [r.body.decode("utf-8") + json.dumps(r.headers) for r in stack.hook.requests]
    assert len(sent_texts(stack, PRIMARY_CHAT)) == 2 and len(sent_texts(stack, BACKUP_CHAT)) == 1
    assert len(mail_bodies) == 2 and len(hook_bodies) == 3
    everything = "\n".join(telegram_bodies + mail_bodies + hook_bodies)
    assert f"/escalations/{escalation_id}" in everything
    for secret in private:
        assert secret not in everything
    for word in ("nobody", "notice", "gone", "tonight", "zq81x", "5550001234"):
        assert word not in everything


@pytest.mark.asyncio
async def test_email_over_starttls_with_login(stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cert, key = make_test_certificate(tmp_path / "tls")
    monkeypatch.setenv("STEADY_TEST_SMTP_PASSWORD", "s3cret-pw")
    async with SmtpServer(tls_cert=(cert, key), users={"steady": "s3cret-pw"}) as secure:
        smtp = {
            "host": "127.0.0.1",
            "port": secure.port,
            "from": "steady-alerts@example.org",
            "starttls": True,
            "username": "steady",
            "password_env": "STEADY_TEST_SMTP_PASSWORD",
            "ca_file": str(cert),
            "timeout_seconds": 5,
        }
        stack.write_oncall(smtp=smtp)
        escalation_id = open_escalation()
        assert await deliver_due() == 3
    [mail] = secure.messages
    assert mail.authenticated_as == "steady"
    assert one(escalation_id, "email").status == "sent"


@pytest.mark.asyncio
async def test_starttls_is_required_when_configured(stack: Stack) -> None:
    smtp = stack.oncall()["smtp"] | {"starttls": True}
    stack.write_oncall(smtp=smtp)
    escalation_id = open_escalation()
    assert await deliver_due() == 2
    email = one(escalation_id, "email")
    assert email.status == "pending"
    assert "does not offer STARTTLS" in email.last_error
    assert stack.smtp.messages == []


@pytest.mark.asyncio
async def test_a_temporary_smtp_refusal_is_retried(stack: Stack) -> None:
    escalation_id = open_escalation()
    stack.smtp.fail_next(1)
    start = utcnow()
    await deliver_due(start)
    assert "451" in one(escalation_id, "email").last_error
    assert await deliver_due(start + BASE_DELAY) == 1
    assert len(stack.smtp.messages) == 1


@pytest.mark.asyncio
async def test_webhook_posts_are_signed_when_a_secret_is_configured(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADY_TEST_HOOK_SECRET", "hook-key")
    stack.write_oncall(webhook={"timeout_seconds": 5, "secret_env": "STEADY_TEST_HOOK_SECRET"})
    open_escalation()
    await deliver_due()
    [post] = stack.hook.requests
    expected = hmac.new(b"hook-key", post.body, hashlib.sha256).hexdigest()
    assert post.headers["X-Steady-Signature"] == f"sha256={expected}"
    assert post.headers["Content-Type"] == "application/json"


@pytest.mark.asyncio
async def test_a_rejected_bot_token_is_not_written_to_the_database(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "7000001:WRONG-very-secret")
    escalation_id = open_escalation()
    await deliver_due()
    error = one(escalation_id, "telegram").last_error
    assert "<telegram token>" in error and "rejected" in error
    assert "WRONG-very-secret" not in error


@pytest.mark.asyncio
async def test_a_missing_secret_is_a_clear_delivery_error(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    escalation_id = open_escalation()
    assert await deliver_due() == 2
    assert one(escalation_id, "telegram").last_error == (
        f"MissingSecret: environment variable {TOKEN_ENV} (named in telegram.token_env) is not set"
    )


@pytest.mark.asyncio
async def test_escalations_recorded_without_an_oncall_file_are_notified_once_it_exists(
    stack: Stack,
) -> None:
    stack.paths.oncall_file.unlink()
    escalation_id = open_escalation()
    assert attempts(escalation_id) == []
    assert await deliver_due() == 0
    assert escalate_unacknowledged(later(minutes=60)) == 0

    stack.write_oncall()
    assert queue_unnotified() == 1
    assert queue_unnotified() == 0
    assert await deliver_due() == 3
    assert {a.reason for a in attempts(escalation_id)} == {"new"}


@pytest.mark.asyncio
async def test_an_invalid_oncall_file_stops_delivery_with_the_field_named(stack: Stack) -> None:
    open_escalation()
    write_oncall(stack.paths.oncall_file, {"primary": [{"name": "Ana", "email": "broken"}]})
    with pytest.raises(OncallConfigError, match=r"primary\[0\]\.email"):
        await deliver_due()
    assert stack.telegram.calls("sendMessage") == []


@pytest.mark.asyncio
async def test_a_resolved_escalation_is_not_notified(stack: Stack) -> None:
    escalation_id = open_escalation()
    with session_scope() as session:
        session.get(Escalation, escalation_id).status = "resolved"
    assert await deliver_due() == 0
    assert {a.status for a in attempts(escalation_id)} == {"cancelled"}
    assert stack.hook.requests == [] and stack.smtp.messages == []
