"""Starting and stopping the Telegram channel against the loopback stand-in of the Bot API.

Only updates the channel answers itself are used here (no Rasa turn): the whole conversation runs
against the real Rasa server in tests/integration/test_telegram_*.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.channels.telegram.channel import ONLY_TEXT, TelegramRuntime, TelegramSettings
from tests.support.telegram_api import FakeTelegramApi

TOKEN = "123:LIFECYCLE-secret-part"
CHAT = 777


async def never_called(_message: Any) -> None:
    raise AssertionError("these tests do not send anything to Rasa")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(token=TOKEN, max_long_poll_seconds=1) as fake:
        yield fake


def runtime_for(api: FakeTelegramApi, token: str = TOKEN, webhook_url: str | None = None) -> TelegramRuntime:
    settings = TelegramSettings(
        token=token, webhook_url=webhook_url, secret_token="s3cret", base_url=api.base_url, poll_timeout=1
    )
    return TelegramRuntime(settings, never_called)


async def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def sticker_from(chat_id: int) -> dict[str, Any]:
    sticker = {
        "file_id": "s",
        "file_unique_id": "us",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    chat = {"id": chat_id, "type": "private", "first_name": "Sam"}
    user = {"id": chat_id, "is_bot": False, "first_name": "Sam"}
    return {"message": {"message_id": 1, "date": 1, "chat": chat, "from": user, "sticker": sticker}}


@pytest.mark.asyncio
async def test_polling_starts_serves_updates_and_stops_cleanly(
    api: FakeTelegramApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = runtime_for(api)
    await runtime.start()
    await wait_for(lambda: api.calls("getUpdates"))
    assert [command["command"] for command in api.commands] == ["start", "help", "stop", "forget"]
    api.queue_update(sticker_from(CHAT))
    await wait_for(lambda: api.sent_messages)
    assert [message["text"] for message in api.sent_messages] == [ONLY_TEXT]
    await runtime.stop()
    polls = len(api.calls("getUpdates"))
    await asyncio.sleep(1.2)
    assert len(api.calls("getUpdates")) == polls, "no polling after stop"
    assert "Telegram channel running (polling mode)." in caplog.text
    assert TOKEN not in caplog.text and "secret-part" not in caplog.text


@pytest.mark.asyncio
async def test_a_refused_token_turns_the_channel_off_without_logging_it(
    api: FakeTelegramApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = runtime_for(api, token="999:WRONG-token-value")
    await runtime.start()
    await wait_for(lambda: "refused the bot token" in caplog.text)
    assert not api.calls("getUpdates")
    await runtime.stop()
    assert "WRONG-token-value" not in caplog.text


@pytest.mark.asyncio
async def test_telegram_unreachable_at_start_is_retried(api: FakeTelegramApi, caplog: pytest.LogCaptureFixture) -> None:
    api.fail_next("getMe", count=1, status=502, description="Bad Gateway")
    api.fail_next("setMyCommands", count=1, status=500)
    runtime = runtime_for(api)
    await runtime.start()
    await wait_for(lambda: api.calls("getUpdates"), timeout=15)
    assert api.calls("getMe")[0].http_status == 502
    assert "Cannot reach Telegram yet" in caplog.text and "command menu" in caplog.text
    await runtime.stop()


@pytest.mark.asyncio
async def test_webhook_mode_registers_the_webhook_and_does_not_poll(api: FakeTelegramApi) -> None:
    runtime = runtime_for(api, webhook_url="https://steady.example/webhooks/telegram/webhook")
    await runtime.start()
    await wait_for(lambda: api.webhook is not None)
    assert api.webhook.url == "https://steady.example/webhooks/telegram/webhook"
    assert api.webhook.secret_token == "s3cret"
    await asyncio.sleep(0.3)
    assert not api.calls("getUpdates")
    await runtime.stop()


@pytest.mark.asyncio
async def test_a_webhook_telegram_refuses_is_reported_once_not_retried(
    api: FakeTelegramApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next(
        "setWebhook", count=1, status=400, description="Bad Request: bad webhook: An HTTPS URL must be provided"
    )
    runtime = runtime_for(api, webhook_url="http://steady.example/webhook")
    await runtime.start()
    await wait_for(lambda: "the channel is off" in caplog.text)
    await asyncio.sleep(1.5)
    assert len(api.calls("setWebhook")) == 1
    assert "https url must be provided" in caplog.text.lower()
    await runtime.stop()
