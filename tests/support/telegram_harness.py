"""Shared by the Telegram integration tests (this module holds no tests itself).

Starts the real action server and Rasa server from the project's files, with credentials that enable
the Telegram channel against the loopback stand-in of the Bot API (tests/support/telegram_api.py),
which runs on its own event loop in a thread so that plain synchronous tests can drive it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import run as steady_run
from bot.config import CONTENT_DIR
from tests.support.servers import MODEL_HINT, free_port
from tests.support.telegram_api import FakeTelegramApi

BOT_TOKEN = "7000001:STEADY-TEST-TOKEN-never-logged"
RASA_API_TOKEN = "telegram-test-api-token"
SECONDS_PER_COUNT = 0.25  # breathing counts four times faster than real time, so tests wait ~12 s
CHANNEL_CLASS = "bot.channels.telegram.channel.TelegramInput"
HELPLINES = yaml.safe_load((CONTENT_DIR / "helplines.yml").read_text())


def services_of(code: str) -> list[str]:
    entry = HELPLINES["countries"][code] if code != "fallback" else HELPLINES["fallback"]
    return [service["contact"] for service in entry["services"]]


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class ApiThread:
    """The stand-in Bot API on its own event loop; `call` runs a function there and returns its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-telegram", daemon=True)
        self.thread.start()
        self.api: FakeTelegramApi = self.call(lambda: FakeTelegramApi(token=BOT_TOKEN))
        self.call(self.api.start)

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        async def run() -> Any:
            result = function(*args, **kwargs)
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=120)

    def close(self) -> None:
        self.call(self.api.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, in order, each in its current state (after edits)."""
        return self.call(
            lambda: [
                dict(self.api.message(m["chat"]["id"], m["message_id"]) or m)
                for m in self.api.sent_messages
                if m["chat"]["id"] == chat_id
            ]
        )

    def requests(self, method: str) -> list[dict[str, Any]]:
        return self.call(lambda: [dict(r.params, _status=r.http_status) for r in self.api.calls(method)])


@dataclass
class TelegramSteady:
    telegram: ApiThread
    parts: list[steady_run.Part]
    ports: steady_run.Ports
    log_dir: Path
    mode: str
    next_message_id: list[int] = field(default_factory=lambda: [100_000])

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/telegram/webhook"

    def rasa_api(self, path: str, body: Any = None, query: str = "") -> Any:
        url = f"{self.rasa_url}{path}" + (f"?{query.lstrip('&')}" if query else "")
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {RASA_API_TOKEN}"}
        request = urllib.request.Request(url, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())

    def tracker(self, chat_id: int) -> dict[str, Any]:
        return self.rasa_api(f"/conversations/{chat_id}/tracker")

    def turn_done(self, chat_id: int, update_id: int) -> bool:
        """Rasa saves the tracker after every reply of a turn was sent: the turn is over then."""
        events = self.tracker(chat_id).get("events") or []
        return any(e.get("event") == "user" and e.get("message_id") == f"telegram-{update_id}" for e in events)

    def rasa_log(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.log_dir.glob("*.log"))

    def stop(self) -> None:
        steady_run.stop(self.parts)


def write_credentials(path: Path, api: FakeTelegramApi) -> Path:
    credentials = {
        CHANNEL_CLASS: {
            "token_env": "TELEGRAM_BOT_TOKEN",
            "webhook_url_env": "TELEGRAM_WEBHOOK_URL",
            "secret_token_env": "TELEGRAM_SECRET_TOKEN",
            "base_url": api.base_url,
            "pacer_seconds_per_count": SECONDS_PER_COUNT,
            "poll_timeout": 2,
        }
    }
    path.write_text(yaml.safe_dump(credentials))
    return path


def rasa_command(part: steady_run.Part, credentials: Path) -> list[str]:
    """The project's Rasa command with these credentials and the API on (its token: STEADY_RASA_API_TOKEN)."""
    command = [word for word in part.command if word != "--enable-api"]
    command[command.index("--credentials") + 1] = str(credentials)
    return [*command, "--enable-api"]


def start_telegram_steady(var_dir: Path, env: dict[str, str], mode: str, secret: str = "") -> TelegramSteady:
    """The action server and Rasa (with the Telegram channel in `mode`), on free loopback ports."""
    if not steady_run.MODEL.exists():
        raise RuntimeError(MODEL_HINT)
    telegram = ApiThread()
    ports = steady_run.Ports(rasa=free_port(), actions=free_port(), web=free_port())
    webhook_url = f"http://127.0.0.1:{ports.rasa}/webhooks/telegram/webhook" if mode == "webhook" else ""
    full_env = {
        **steady_run.environment(ports),
        **env,
        "STEADY_RASA_API_TOKEN": RASA_API_TOKEN,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_URL": webhook_url,
        "TELEGRAM_SECRET_TOKEN": secret,
    }
    credentials = write_credentials(var_dir / "credentials.yml", telegram.api)
    parts = [part for part in steady_run.parts(ports) if part.name in ("action server", "Rasa server")]
    for part in parts:
        if part.name == "Rasa server":
            part.command = rasa_command(part, credentials)
        steady_run.start(part, full_env, var_dir)
    steady = TelegramSteady(telegram, parts, ports, var_dir, mode)
    try:
        steady_run.wait_until_ready(parts, var_dir)
        if mode == "webhook":
            wait_until(lambda: telegram.call(lambda: telegram.api.webhook), 60, "setWebhook")
        else:
            wait_until(lambda: telegram.requests("getUpdates"), 60, "polling to start")
    except (RuntimeError, AssertionError):
        steady.stop()
        telegram.close()
        raise
    return steady


class Person:
    """Someone writing to the bot in a private chat (or, with chat_type, from a group)."""

    def __init__(
        self, steady: TelegramSteady, chat_id: int, language_code: str | None = "en-GB", chat_type: str = "private"
    ) -> None:
        self.steady = steady
        self.telegram = steady.telegram
        self.chat_id = chat_id
        self.language_code = language_code
        self.chat_type = chat_type

    # -- what Telegram would deliver

    def message(self, **content: Any) -> dict[str, Any]:
        self.steady.next_message_id[0] += 1
        user: dict[str, Any] = {"id": abs(self.chat_id), "is_bot": False, "first_name": "Sam"}
        if self.language_code:
            user["language_code"] = self.language_code
        chat: dict[str, Any] = {"id": self.chat_id, "type": self.chat_type}
        chat.update({"first_name": "Sam"} if self.chat_type == "private" else {"title": "Friends"})
        message = {"message_id": self.steady.next_message_id[0], "date": int(time.time()), "chat": chat, "from": user}
        text = content.get("text")
        if isinstance(text, str) and text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {**message, **content}

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        return self.telegram.call(self.telegram.api.queue_update, update)

    def deliver(self, update: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
        """Queue one update; in webhook mode POST it now (returns the HTTP statuses)."""
        queued = self.queue(update)
        statuses = (
            self.telegram.call(self.telegram.api.deliver_webhook_updates) if self.steady.mode == "webhook" else []
        )
        return queued, statuses

    # -- conversation

    def sent(self) -> list[dict[str, Any]]:
        return self.telegram.sent_to(self.chat_id)

    def texts(self) -> list[str]:
        return [message["text"] for message in self.sent()]

    def turn(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.sent())
        queued, _statuses = self.deliver(update)
        wait_until(lambda: self.steady.turn_done(self.chat_id, queued["update_id"]), 90, "Rasa's replies")
        return self.sent()[before:]

    def say(self, text: str) -> list[dict[str, Any]]:
        """Type a message that goes to Rasa; returns the messages of the reply."""
        return self.turn({"message": self.message(text=text)})

    def say_expecting(self, update_content: dict[str, Any], replies: int = 1) -> list[dict[str, Any]]:
        """Send something the channel answers itself (no Rasa turn); returns its replies."""
        before = len(self.sent())
        self.deliver({"message": self.message(**update_content)})
        wait_until(lambda: len(self.sent()) >= before + replies, 30, "the channel's reply")
        return self.sent()[before:]

    def button(self, title: str) -> tuple[dict[str, Any], str]:
        """The newest message with a button of this title, and that button's callback data."""
        for message in reversed(self.sent()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for key in row:
                    if key.get("text") == title:
                        return message, key["callback_data"]
        raise AssertionError(f"no button {title!r} in {self.texts()[-3:]}")

    def press_update(self, title: str) -> dict[str, Any]:
        message, data = self.button(title)
        return self.telegram.call(
            lambda: self.telegram.api.queue_callback_query(self.chat_id, data, message_id=message["message_id"])
        )

    def press(self, title: str) -> list[dict[str, Any]]:
        """Press a button whose payload goes to Rasa; returns the messages of the reply."""
        before = len(self.sent())
        queued = self.press_update(title)
        if self.steady.mode == "webhook":
            self.telegram.call(self.telegram.api.deliver_webhook_updates)
        wait_until(lambda: self.steady.turn_done(self.chat_id, queued["update_id"]), 90, "Rasa's replies")
        return self.sent()[before:]


def raise_for_log_token(steady: TelegramSteady) -> None:
    log = steady.rasa_log()
    assert BOT_TOKEN not in log and BOT_TOKEN.split(":")[1] not in log, "the bot token appeared in a log"


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
