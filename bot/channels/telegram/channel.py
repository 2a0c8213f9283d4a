"""Steady on Telegram: a Rasa input channel built on python-telegram-bot.

Configured in credentials.yml under `bot.channels.telegram.channel.TelegramInput`; the bot token comes
from the environment variable named by `token_env`. Without a token the channel is inactive.

Modes
- Long polling (no public URL needed): when the variable named by `webhook_url_env` is empty, the
  Rasa server polls Telegram itself, started and stopped with the server.
- Webhook: when that variable holds the public HTTPS address of POST /webhooks/telegram/webhook,
  the channel registers it with Telegram on start, with a secret token. Requests without that
  token in the X-Telegram-Bot-Api-Secret-Token header are refused with 403.

Who is who
- Rasa's sender_id is the raw Telegram chat id (private chats only, where it equals the user id).
  It has to be: a counselor's reply during a takeover (Rasa's tracker events API with
  output_channel=latest) is delivered to that chat, and /forget erases that conversation. The
  usage log never sees it: the actions pseudonymise tracker.sender_id with a keyed hash. This
  channel logs neither chat ids nor message text, and never the token.
- Every message carries metadata {"channel": "telegram", "country_guess": "GB" or null}, a first
  guess from Telegram's language_code; what the person says about where they are wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, BotCommand, CallbackQuery, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Updater
from telegram.request import HTTPXRequest

from bot import config
from bot.channels.names import TELEGRAM
from bot.channels.telegram.incoming import BOT_COMMANDS, FORGET_COMMAND, command_name, country_guess, text_for_rasa
from bot.channels.telegram.pacer import Pacers, retry_seconds
from bot.channels.telegram.render import (
    FORGET,
    PayloadStore,
    forget_keyboard,
    keyboard,
    offered_data,
    payload_of,
    split_message,
    utf16_length,
)
from bot.erasure import erase_person
from bot.keyed_locks import KeyedLocks
from bot.payloads import custom_of, fallback_text, is_paced
from bot.wording import say

logger = logging.getLogger(__name__)

CHANNEL = TELEGRAM
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_UPDATE_BYTES = 64 * 1024  # a Telegram update with a 4,096-character message is far below this
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
TYPING_EVERY_SECONDS = 4.5  # Telegram shows "typing" for about 5 seconds
STOP_GRACE_SECONDS = 5.0
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# What the channel says itself: bot/content/telegram.yml.
ONLY_TEXT = say("telegram", "only_text")
EDITED = say("telegram", "edited")
PRIVATE_ONLY = say("telegram", "private_only")
BUTTON_EXPIRED = say("telegram", "button_expired")
SOMETHING_WRONG = say("telegram", "something_wrong")
FORGET_ASK = say("telegram", "forget", "ask")
FORGET_DONE = say("telegram", "forget", "done")
FORGET_KEPT = say("telegram", "forget", "kept")
FORGET_NO = say("telegram", "forget", "not_erased")
FORGET_FAILED = say("telegram", "forget", "failed")

NewMessage = Callable[[UserMessage], Awaitable[Any]]


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    webhook_url: str | None
    secret_token: str
    base_url: str
    seconds_per_count: float = 1.0
    poll_timeout: int = 30

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"


def _derived_secret(token: str) -> str:
    """A webhook secret that needs no setting: stable across restarts and workers for one token."""
    return hmac.new(token.encode(), b"steady telegram webhook", "sha256").hexdigest()


def settings_from(credentials: dict[str, Any], environ: dict[str, str] | None = None) -> TelegramSettings | None:
    """The channel's settings, or None (inactive, with one log line) when it has no usable token."""
    token_env = str(credentials.get("token_env") or config.TELEGRAM_TOKEN_ENV)
    token = config.named_setting(token_env, environ).strip()
    if not token:
        logger.info("Telegram channel inactive: %s is not set.", token_env)
        return None
    webhook_env = str(credentials.get("webhook_url_env") or config.TELEGRAM_WEBHOOK_URL_ENV)
    webhook_url = config.named_setting(webhook_env, environ).strip()
    secret_env = str(credentials.get("secret_token_env") or config.TELEGRAM_SECRET_TOKEN_ENV)
    secret = config.named_setting(secret_env, environ).strip() or _derived_secret(token)
    if not _SECRET_SHAPE.match(secret):
        logger.error("Telegram channel inactive: %s may only hold A-Z a-z 0-9 _ - (1 to 256 characters).", secret_env)
        return None
    return TelegramSettings(
        token=token,
        webhook_url=webhook_url or None,
        secret_token=secret,
        base_url=str(credentials.get("base_url") or DEFAULT_BASE_URL),
        seconds_per_count=float(credentials.get("pacer_seconds_per_count") or 1.0),
        poll_timeout=int(credentials.get("poll_timeout") or 30),
    )


def chat_id_of(recipient_id: str) -> int | None:
    try:
        return int(recipient_id)
    except (TypeError, ValueError):
        return None


def quiet_token_loggers() -> None:
    """Request URLs hold the bot token: httpx logs them at INFO, python-telegram-bot at DEBUG."""
    for name, level in (("httpx", logging.WARNING), ("httpcore", logging.WARNING), ("telegram", logging.INFO)):
        if logging.getLogger(name).level < level:  # NOTSET (0) included; a stricter setting stays
            logging.getLogger(name).setLevel(level)


# ---------------------------------------------------------------- the running channel


class TelegramRuntime:
    """Everything the channel needs while the server runs: the bot, pacers, polling or webhook."""

    def __init__(self, settings: TelegramSettings, on_new_message: NewMessage) -> None:
        quiet_token_loggers()
        self.settings = settings
        self.on_new_message = on_new_message
        self.bot = Bot(
            settings.token,
            base_url=settings.base_url,
            request=HTTPXRequest(connection_pool_size=64),
            get_updates_request=HTTPXRequest(connection_pool_size=2),
        )
        self.store = PayloadStore()
        self.locks: KeyedLocks[int] = KeyedLocks()  # one person's messages in order; other chats never wait
        self.pacers = Pacers(self.bot, self.deliver, settings.seconds_per_count)
        self.updater: Updater | None = None
        self._tasks: set[asyncio.Task] = set()

    def redact(self, text: str) -> str:
        return text.replace(self.settings.token, "<token>")

    def spawn(self, coroutine: Awaitable[Any], name: str) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- lifecycle

    async def start(self) -> None:
        """Connect to Telegram in the background, retrying, so the Rasa server starts regardless."""
        self.spawn(self._connect(), "telegram-connect")

    async def _connect(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._connect_once()
                logger.info("Telegram channel running (%s mode).", self.settings.mode)
                return
            except InvalidToken:
                logger.error("Telegram refused the bot token; the Telegram channel is off.")
                return
            except BadRequest as error:  # e.g. a webhook URL that is not HTTPS: retrying cannot help
                logger.error("Telegram refused the channel's setup (%s); the channel is off.", self.redact(str(error)))
                return
            except TelegramError as error:
                logger.warning("Cannot reach Telegram yet (%s); retrying in %.0f s", self.redact(str(error)), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def _connect_once(self) -> None:
        await self.bot.initialize()
        await self._offer_commands()
        if self.settings.webhook_url:
            await self.bot.set_webhook(
                self.settings.webhook_url, secret_token=self.settings.secret_token, allowed_updates=ALLOWED_UPDATES
            )
            return
        if self.updater is None:
            self.updater = Updater(self.bot, asyncio.Queue())
            await self.updater.initialize()
        await self.updater.start_polling(
            timeout=self.settings.poll_timeout, allowed_updates=ALLOWED_UPDATES, error_callback=self._polling_error
        )
        self.spawn(self._consume(self.updater.update_queue), "telegram-updates")

    async def _offer_commands(self) -> None:
        """The command menu Telegram shows; nice to have, so a failure is only logged."""
        try:
            await self.bot.set_my_commands([BotCommand(name, about) for name, about in BOT_COMMANDS])
        except TelegramError as error:
            logger.warning("Could not set the bot's command menu: %s", self.redact(str(error)))

    def _polling_error(self, error: TelegramError) -> None:
        logger.warning("Polling Telegram failed (%s); retrying", self.redact(str(error)))

    async def _consume(self, updates: asyncio.Queue) -> None:
        while True:
            update = await updates.get()
            if isinstance(update, Update):
                self.spawn(self.handle_update(update), f"telegram-update-{update.update_id}")

    async def stop(self) -> None:
        """Stop taking updates, give turns in progress a few seconds to finish, then close."""
        if self.updater is not None and self.updater.running:
            await self.updater.stop()
        for task in list(self._tasks):
            if task.get_name() in ("telegram-connect", "telegram-updates"):
                task.cancel()
        await self.pacers.stop_all()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=STOP_GRACE_SECONDS)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.updater is not None:
            await self.updater.shutdown()
        await self.bot.shutdown()

    # -- webhook

    async def webhook(self, request: Request) -> HTTPResponse:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.settings.secret_token.encode()):
            return response.json({"ok": False, "error": "forbidden"}, status=403)
        if len(request.body or b"") > MAX_UPDATE_BYTES:
            return response.json({"ok": False, "error": "too large"}, status=413)
        try:
            data = json.loads(request.body or b"")
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
        except Exception:  # noqa: BLE001 - any unreadable body is the sender's problem, not a crash
            update = None
        if update is None:
            return response.json({"ok": False, "error": "not a Telegram update"}, status=400)
        await self.handle_update(update)
        return response.json({"ok": True})

    # -- updates

    async def handle_update(self, update: Update) -> None:
        """Handle one update; problems are logged and the person told, never raised."""
        chat = update.effective_chat
        if chat is None:
            return
        try:
            if chat.type != ChatType.PRIVATE:
                if update.message is not None:
                    await self.say(chat.id, PRIVATE_ONLY)
                return
            async with self.locks.hold(chat.id):
                await self._dispatch(chat.id, update)
        except Exception as error:  # noqa: BLE001 - a person must get an answer, not silence
            logger.error("Handling a Telegram update failed: %s: %s", type(error).__name__, self.redact(str(error)))
            with contextlib.suppress(Exception):  # Telegram itself unreachable: already logged
                await self.say(chat.id, SOMETHING_WRONG)

    async def _dispatch(self, chat_id: int, update: Update) -> None:
        turn_id = f"telegram-{update.update_id}"  # Rasa's message_id for the turn
        if update.callback_query is not None:
            await self._on_button(chat_id, update.callback_query, turn_id)
        elif update.edited_message is not None:
            await self.say(chat_id, EDITED)
        elif update.message is not None:
            await self._on_message(chat_id, update.message, turn_id)

    async def _on_message(self, chat_id: int, message: Message, turn_id: str) -> None:
        text = message.text if message.text is not None else message.caption
        if not text or not text.strip():
            await self.say(chat_id, ONLY_TEXT)
            return
        self.pacers.stop(chat_id)
        if command_name(text) == FORGET_COMMAND:
            await self.bot.send_message(chat_id, FORGET_ASK, reply_markup=forget_keyboard())
            return
        await self.to_rasa(chat_id, text_for_rasa(text), message.from_user, turn_id)

    async def _on_button(self, chat_id: int, query: CallbackQuery, turn_id: str) -> None:
        await self._answer(query)
        data = query.data or ""
        offered = offered_data(getattr(query.message, "reply_markup", None))
        if data not in offered:
            await self.say(chat_id, BUTTON_EXPIRED)
            return
        if data.startswith(FORGET):
            await self._mark_chosen(query.message, offered[data])
            await self._forget(chat_id, confirmed=data[1:] == "yes")
            return
        payload = payload_of(data, self.store)
        if payload is None:
            await self.say(chat_id, BUTTON_EXPIRED)
            return
        await self._mark_chosen(query.message, offered[data])
        self.pacers.stop(chat_id)
        await self.to_rasa(chat_id, payload, query.from_user, turn_id)

    async def _answer(self, query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError as error:
            logger.info("answerCallbackQuery failed: %s", self.redact(str(error)))

    async def _mark_chosen(self, message: Any, title: str) -> None:
        """Take the keyboard off a message and note the choice under it, so it reads like a reply."""
        if not isinstance(message, Message) or not message.text:
            return
        text = f"{message.text}\n\n› {title}"
        try:
            if utf16_length(text) <= 4096:
                await self.bot.edit_message_text(text, chat_id=message.chat_id, message_id=message.message_id)
            else:
                await self.bot.edit_message_reply_markup(chat_id=message.chat_id, message_id=message.message_id)
        except TelegramError as error:
            logger.info("Could not mark a button as chosen: %s", self.redact(str(error)))

    async def _forget(self, chat_id: int, confirmed: bool) -> None:
        if not confirmed:
            await self.say(chat_id, FORGET_NO)
            return
        self.pacers.stop(chat_id)
        try:
            erased = await asyncio.to_thread(erase_person, str(chat_id))
        except Exception as error:  # noqa: BLE001 - the person is told, the cause is logged
            logger.error("Erasing a Telegram conversation failed: %s", type(error).__name__)
            await self.say(chat_id, FORGET_FAILED)
            return
        await self.say(chat_id, f"{FORGET_DONE} {FORGET_KEPT}" if erased.escalations_redacted else FORGET_DONE)

    async def to_rasa(self, chat_id: int, text: str, user: User | None, turn_id: str | None = None) -> None:
        """One turn: the text goes to Rasa, the replies come back through a TelegramOutput."""
        metadata = {"channel": CHANNEL, "country_guess": country_guess(user.language_code if user else None)}
        output = TelegramOutput(self, holds_back_after_pacer=True)
        message = UserMessage(text, output, str(chat_id), input_channel=CHANNEL, message_id=turn_id, metadata=metadata)
        async with self.typing(chat_id):
            await self.on_new_message(message)

    @asynccontextmanager
    async def typing(self, chat_id: int) -> AsyncIterator[None]:
        """Show "typing..." while Rasa works (Telegram clears it after ~5 s, so it is repeated)."""

        async def show_typing() -> bool:
            try:
                await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
                return True
            except TelegramError:
                return False

        async def keep_typing() -> None:
            while True:
                await asyncio.sleep(TYPING_EVERY_SECONDS)
                if not await show_typing():
                    return

        await show_typing()  # before the first reply, so "typing" never shows after it
        task = self.spawn(keep_typing(), "telegram-typing")
        try:
            yield
        finally:
            task.cancel()

    # -- sending

    async def say(self, chat_id: int, text: str) -> None:
        await self.deliver(chat_id, {"text": text})

    async def deliver(self, chat_id: int, message: dict[str, Any]) -> None:
        """Send one Rasa message: text split to Telegram's limit, buttons on the last part."""
        text = str(message.get("text") or "")
        if not text:
            text = fallback_text(custom_of(message))
        for link in (message.get("image"), message.get("attachment")):
            if isinstance(link, str) and link:
                text = f"{text}\n{link}".strip()
        markup = keyboard(message.get("buttons") or message.get("quick_replies") or [], self.store)
        parts = split_message(text) or (["Please choose:"] if markup else [])
        for number, part in enumerate(parts, start=1):
            await self._send(chat_id, part, markup if number == len(parts) else None)

    async def _send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
        for _attempt in range(2):
            try:
                await self.bot.send_message(chat_id, text, reply_markup=markup)
                return
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
            except Forbidden:
                logger.info("A message was not delivered: the person blocked the bot")
                return
            except TelegramError as error:
                logger.warning("A message could not be sent: %s", self.redact(str(error)))
                return


# ---------------------------------------------------------------- Rasa's side


class TelegramOutput(OutputChannel):
    """Replies to one chat. In a person's turn, messages after a breathing pacer wait for it to end."""

    def __init__(self, runtime: TelegramRuntime, holds_back_after_pacer: bool = False) -> None:
        self.runtime = runtime
        self.holds_back_after_pacer = holds_back_after_pacer
        self._pacer_run: Any = None

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        chat_id = chat_id_of(recipient_id)
        if chat_id is None:
            logger.warning("A reply for a non-Telegram conversation id was dropped")
            return
        run = self._pacer_run
        if run is not None and run.running:
            run.held_back.append(dict(message))
            return
        custom = custom_of(message)
        if is_paced(custom):
            run = await self.runtime.pacers.start(chat_id, custom)
            if run is not None:
                if self.holds_back_after_pacer:
                    self._pacer_run = run
                return
        await self.runtime.deliver(chat_id, dict(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class TelegramInput(InputChannel):
    """Rasa input channel; see the module docstring for settings and behaviour."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        return cls(settings_from(credentials or {}))

    def __init__(self, settings: TelegramSettings | None) -> None:
        self.settings = settings
        self.runtime: TelegramRuntime | None = None

    def blueprint(self, on_new_message: NewMessage) -> Blueprint:
        telegram = Blueprint("steady_telegram", __name__)
        settings = self.settings

        @telegram.get("/")
        async def health(_request: Request) -> HTTPResponse:
            if settings is None:
                return response.json({"status": "inactive"})
            return response.json({"status": "active", "mode": settings.mode})

        if settings is None:
            return telegram
        runtime = TelegramRuntime(settings, on_new_message)
        self.runtime = runtime

        @telegram.listener("after_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            await runtime.start()

        @telegram.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await runtime.stop()

        if settings.webhook_url:

            @telegram.post("/webhook")
            async def webhook(request: Request) -> HTTPResponse:
                return await runtime.webhook(request)

        return telegram

    def get_output_channel(self) -> OutputChannel | None:
        """For messages Rasa sends on its own, e.g. a counselor's reply during a takeover."""
        return TelegramOutput(self.runtime) if self.runtime is not None else None
