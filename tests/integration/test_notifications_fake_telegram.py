"""The Telegram Bot API stand-in behaves enough like Telegram for python-telegram-bot 22.

These tests pin down what later channel tests rely on: sending, editing, buttons, polling,
webhooks, failure injection and Telegram's error answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import telegram
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.support.telegram_api import FakeTelegramApi
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration

TOKEN = "4242:fake-api-test"


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi(token=TOKEN) as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeTelegramApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=api.base_url) as client:
        yield client


def keyboard(*data: str) -> telegram.InlineKeyboardMarkup:
    buttons = [telegram.InlineKeyboardButton(text=d.title(), callback_data=d) for d in data]
    return telegram.InlineKeyboardMarkup([buttons])


@pytest.mark.asyncio
async def test_get_me_describes_the_bot(api: FakeTelegramApi, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (api.bot_id, api.bot_username, True)
    assert [r.method for r in api.requests][:1] == ["getMe"]


@pytest.mark.asyncio
async def test_messages_are_sent_edited_and_recorded(api: FakeTelegramApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(chat_id=42, text="Breathe in", reply_markup=keyboard("next"))
    assert (sent.chat.id, sent.text, sent.from_user.id) == (42, "Breathe in", api.bot_id)
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "next"
    [call] = api.calls("sendMessage")
    assert call.params["chat_id"] == 42 and call.params["text"] == "Breathe in"

    edited = await bot.edit_message_text(chat_id=42, message_id=sent.message_id, text="Breathe out")
    assert edited.text == "Breathe out" and edited.edit_date is not None
    assert api.message(42, sent.message_id)["text"] == "Breathe out"
    assert "reply_markup" not in api.message(42, sent.message_id)
    assert api.sent_messages[0]["text"] == "Breathe in"

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(chat_id=42, message_id=sent.message_id, text="Breathe out")
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text(chat_id=42, message_id=999, text="x")


@pytest.mark.asyncio
async def test_bad_parameters_get_telegrams_errors(api: FakeTelegramApi, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(chat_id=42, text=" ")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(chat_id=42, text="x" * 4097)
    with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
        await bot.send_chat_action(chat_id=42, action="dancing")
    assert await bot.send_chat_action(chat_id=42, action="typing") is True
    assert api.chat_actions == [{"chat_id": 42, "action": "typing"}]
    assert [r.http_status for r in api.calls("sendMessage")] == [400, 400]


@pytest.mark.asyncio
async def test_injected_failures_blocked_chats_and_wrong_tokens(api: FakeTelegramApi, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", count=2)
    api.fail_next("sendMessage", count=1, status=429, description="Too Many Requests", retry_after=3)
    for _ in range(2):
        with pytest.raises(NetworkError, match="failure injected"):
            await bot.send_message(chat_id=1, text="hi")
    with pytest.raises(RetryAfter):
        await bot.send_message(chat_id=1, text="hi")
    assert (await bot.send_message(chat_id=1, text="hi")).text == "hi"

    api.block_chat(13)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(chat_id=13, text="hi")
    with pytest.raises(InvalidToken):
        async with telegram.Bot("4242:wrong", base_url=api.base_url):
            pass
    assert [r.http_status for r in api.calls("sendMessage")] == [500, 500, 429, 200, 403]


@pytest.mark.asyncio
async def test_get_updates_serves_queued_updates_and_confirms_by_offset(
    api: FakeTelegramApi, bot: telegram.Bot
) -> None:
    await bot.send_message(chat_id=42, text="Pick one", reply_markup=keyboard("calm", "help"))
    api.queue_text_message(42, "/start now")
    api.queue_callback_query(42, "calm")

    first, second = await bot.get_updates()
    assert first.message.text == "/start now"
    assert first.message.entities[0].type == "bot_command" and first.message.entities[0].length == 6
    assert second.callback_query.data == "calm"
    assert second.callback_query.message.text == "Pick one"
    assert await bot.answer_callback_query(second.callback_query.id, text="ok") is True
    assert api.answered_callback_queries[0]["callback_query_id"] == second.callback_query.id

    assert len(await bot.get_updates()) == 2  # not confirmed yet
    assert await bot.get_updates(offset=second.update_id + 1) == ()
    assert api.pending_updates == []


@pytest.mark.asyncio
async def test_long_polling_returns_as_soon_as_an_update_arrives(api: FakeTelegramApi, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
    await asyncio.sleep(0.1)
    assert not poll.done()
    api.queue_text_message(7, "hello")
    [update] = await asyncio.wait_for(poll, 10)
    assert update.message.text == "hello"


@pytest.mark.asyncio
async def test_webhook_mode_delivers_updates_with_the_secret_header(api: FakeTelegramApi, bot: telegram.Bot) -> None:
    async with WebhookReceiver() as receiver:
        assert await bot.set_webhook(receiver.url("/telegram"), secret_token="s3cret_token")
        info = await bot.get_webhook_info()
        assert info.url == receiver.url("/telegram")
        with pytest.raises(Conflict):
            await bot.get_updates()
        update = api.queue_text_message(5, "hi")
        receiver.fail_next(1, status=500)
        assert await api.deliver_webhook_updates() == [500]
        assert await api.deliver_webhook_updates() == [200]
        assert api.pending_updates == []
        posted = receiver.accepted[0]
        assert posted.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret_token"
        assert posted.json() == update
    with pytest.raises(BadRequest, match="(?i)unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:1/x", secret_token="no spaces allowed")
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.asyncio
async def test_a_python_telegram_bot_application_runs_against_it(api: FakeTelegramApi) -> None:
    async def start(update: telegram.Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Welcome", reply_markup=keyboard("breathe"))

    async def pressed(update: telegram.Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"You chose {update.callback_query.data}")

    app = Application.builder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        api.queue_text_message(42, "/start")
        welcome = await wait_for_message(api, "Welcome")
        api.queue_callback_query(42, "breathe", message_id=welcome["message_id"])
        await wait_for(lambda: api.message(42, welcome["message_id"])["text"] == "You chose breathe")
        await app.updater.stop()
        await app.stop()
    assert len(api.answered_callback_queries) == 1


async def wait_for_message(api: FakeTelegramApi, text: str) -> dict:
    await wait_for(lambda: any(m["text"] == text for m in api.sent_messages))
    return next(m for m in api.sent_messages if m["text"] == text)


async def wait_for(condition, limit: float = 15.0) -> None:  # noqa: ANN001
    for _ in range(int(limit / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
