"""The Telegram output side over real HTTP, against the loopback stand-in of the Bot API.

Replies shaped as Rasa sends them go through TelegramOutput; what reached "Telegram" is checked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.channels.telegram.channel import TelegramOutput, TelegramRuntime, TelegramSettings
from bot.channels.telegram.render import pacer_frames, payload_of
from tests.support.pacers import box_pacer
from tests.support.telegram_api import FakeTelegramApi

TOKEN = "123:OUTPUT-TEST"
CHAT = 4242
TICK = 0.05  # seconds per breathing count in these tests
PACER = box_pacer(rounds=1)
PROMPT = "Send me any message when you're ready to go on."
FRAMES = [frame.text for frame in pacer_frames(PACER)]


async def never_called(_message: Any) -> None:
    raise AssertionError("these tests do not send anything to Rasa")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(token=TOKEN) as fake:
        yield fake


@pytest_asyncio.fixture
async def runtime(api: FakeTelegramApi) -> AsyncIterator[TelegramRuntime]:
    settings = TelegramSettings(
        token=TOKEN, webhook_url=None, secret_token="s", base_url=api.base_url, seconds_per_count=TICK
    )
    running = TelegramRuntime(settings, never_called)
    await running.bot.initialize()
    yield running
    await running.stop()


async def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def texts_sent(api: FakeTelegramApi) -> list[str]:
    return [message["text"] for message in api.sent_messages]


def edits(api: FakeTelegramApi) -> list[str]:
    return [call.params["text"] for call in api.calls("editMessageText") if call.http_status == 200]


async def pace_then_prompt(runtime: TelegramRuntime) -> None:
    """The pacer, then the prompt that follows it, held back until the pacer is done."""
    output = TelegramOutput(runtime, holds_back_after_pacer=True)
    await output.send_response(str(CHAT), {"text": PACER["fallback_text"], "custom": PACER})
    await output.send_response(str(CHAT), {"text": PROMPT})


@pytest.mark.asyncio
async def test_buttons_arrive_as_an_inline_keyboard_whose_data_maps_back(
    api: FakeTelegramApi, runtime: TelegramRuntime
) -> None:
    buttons = [
        {"title": "Breathing", "payload": '/request_exercise{"exercise": "breathing"}'},
        {"title": "Long one", "payload": "/request_exercise" + '{"exercise": "x"}' * 6},
        {"title": "Talk to a person", "payload": "/request_human"},
    ]
    await TelegramOutput(runtime).send_response(str(CHAT), {"text": "What would help?", "buttons": buttons})
    (sent,) = api.sent_messages
    assert sent["text"] == "What would help?" and sent["chat"]["id"] == CHAT
    rows = sent["reply_markup"]["inline_keyboard"]
    data = [key["callback_data"] for row in rows for key in row]
    assert all(len(item.encode()) <= 64 for item in data)
    assert [payload_of(item, runtime.store) for item in data] == [button["payload"] for button in buttons]


@pytest.mark.asyncio
async def test_a_long_reply_arrives_in_parts_with_the_buttons_on_the_last(
    api: FakeTelegramApi, runtime: TelegramRuntime
) -> None:
    text = "\n\n".join(f"Part {n}. " + "Slow breaths help. " * 150 for n in range(3))
    await TelegramOutput(runtime).send_response(
        str(CHAT), {"text": text, "buttons": [{"title": "Ok", "payload": "ok"}]}
    )
    sent = api.sent_messages
    assert len(sent) == 3, "three ~2,900-character paragraphs need three messages"
    assert [message["text"][:6] for message in sent] == ["Part 0", "Part 1", "Part 2"]
    assert [("reply_markup" in message) for message in sent] == [False, False, True]
    assert all(call.http_status == 200 for call in api.calls("sendMessage")), "Telegram refused nothing"


@pytest.mark.asyncio
async def test_the_pacer_edits_one_message_count_by_count_then_sends_the_held_back_prompt(
    api: FakeTelegramApi, runtime: TelegramRuntime
) -> None:
    await pace_then_prompt(runtime)
    assert texts_sent(api) == [FRAMES[0]], "the prompt waits; the fallback text is not sent"
    await wait_for(lambda: len(api.sent_messages) == 2)
    assert texts_sent(api)[1] == PROMPT
    shown = edits(api)
    assert shown[-1] == FRAMES[-1] == "Box breathing (4-4-4-4)\nDone: 1 round."
    assert shown == [frame for frame in FRAMES[1:] if frame in shown], "frames in order, none invented"
    assert len(shown) >= len(FRAMES) // 2
    pacer_id = api.sent_messages[0]["message_id"]
    assert api.message(CHAT, pacer_id)["text"] == FRAMES[-1]


@pytest.mark.asyncio
async def test_stopping_the_pacer_marks_it_stopped_and_drops_what_was_held_back(
    api: FakeTelegramApi, runtime: TelegramRuntime
) -> None:
    await pace_then_prompt(runtime)
    await wait_for(lambda: len(edits(api)) >= 2)
    run = runtime.pacers.running(CHAT)
    assert run is not None and run.task is not None
    runtime.pacers.stop(CHAT)
    await asyncio.gather(run.task, return_exceptions=True)
    assert runtime.pacers.running(CHAT) is None
    assert edits(api)[-1] == "Box breathing (4-4-4-4)\nStopped here."
    await asyncio.sleep(TICK * 4)
    assert len(api.sent_messages) == 1, "the held-back prompt is never sent"
    assert edits(api)[-1] == "Box breathing (4-4-4-4)\nStopped here.", "no frame after stopping"


@pytest.mark.asyncio
async def test_pacers_in_two_chats_run_side_by_side(api: FakeTelegramApi, runtime: TelegramRuntime) -> None:
    started = time.monotonic()
    for chat in (1, 2):
        await TelegramOutput(runtime).send_response(str(chat), {"text": "", "custom": PACER})
    await wait_for(lambda: runtime.pacers.running(1) is None and runtime.pacers.running(2) is None)
    finals = [
        api.message(chat, message["message_id"])["text"]
        for chat, message in zip((1, 2), api.sent_messages, strict=True)
    ]
    assert finals == [FRAMES[-1], FRAMES[-1]]
    assert time.monotonic() - started < 2 * 16 * TICK, "the second did not wait for the first"


@pytest.mark.asyncio
async def test_a_flood_limit_during_pacing_is_waited_out_and_the_pacer_still_finishes(
    api: FakeTelegramApi, runtime: TelegramRuntime
) -> None:
    api.fail_next("editMessageText", count=1, status=429, description="Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()
    await TelegramOutput(runtime).send_response(str(CHAT), {"text": "", "custom": PACER})
    await wait_for(lambda: runtime.pacers.running(CHAT) is None)
    refused = [call for call in api.calls("editMessageText") if call.http_status == 429]
    assert len(refused) == 1
    after = [call for call in api.calls("editMessageText") if call.http_status == 200]
    assert after and after[-1].params["text"] == FRAMES[-1]
    assert time.monotonic() - started >= 1.0, "it waited the second Telegram asked for"


@pytest.mark.asyncio
async def test_a_payload_that_cannot_be_paced_sends_its_fallback_text(
    api: FakeTelegramApi, runtime: TelegramRuntime
) -> None:
    broken = {**PACER, "phases": []}
    await TelegramOutput(runtime).send_response(str(CHAT), {"text": PACER["fallback_text"], "custom": broken})
    assert texts_sent(api) == [PACER["fallback_text"]]
    assert not api.calls("editMessageText")


@pytest.mark.asyncio
async def test_other_custom_payloads_never_show_raw_json(api: FakeTelegramApi, runtime: TelegramRuntime) -> None:
    output = TelegramOutput(runtime)
    await output.send_response(str(CHAT), {"text": "Here you go.", "custom": {"type": "chart", "data": [1, 2]}})
    await output.send_response(str(CHAT), {"custom": {"type": "chart", "data": [1, 2]}})
    assert texts_sent(api) == ["Here you go."]


@pytest.mark.asyncio
async def test_a_blocked_chat_or_a_foreign_id_is_logged_not_raised(
    api: FakeTelegramApi, runtime: TelegramRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.channels.telegram.channel")
    api.block_chat(CHAT)
    output = TelegramOutput(runtime)
    await output.send_response(str(CHAT), {"text": "Are you still there?"})
    await output.send_response("web-3f2a", {"text": "Hello"})
    assert api.sent_messages == []
    assert "blocked" in caplog.text and "non-Telegram" in caplog.text
    assert TOKEN not in caplog.text
