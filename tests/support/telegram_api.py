"""A local stand-in for the Telegram Bot API, served over real HTTP on 127.0.0.1.

python-telegram-bot (22.x) talks to it unchanged when given its base_url:

    async with FakeTelegramApi(token="123:TEST") as api:
        async with telegram.Bot("123:TEST", base_url=api.base_url) as bot:
            await bot.send_message(chat_id=42, text="hello")
        assert api.sent_messages[0]["text"] == "hello"
        assert api.calls("sendMessage")[0].params["chat_id"] == 42

What it does
- Methods: getMe, sendMessage, editMessageText, editMessageReplyMarkup, sendChatAction,
  answerCallbackQuery, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling),
  setMyCommands, getMyCommands. Add more with `add_method(name, handler)`.
- Every request is recorded in `requests` (method, token, decoded params, HTTP status), failed
  ones too. `calls("sendMessage")` filters by method.
- Messages the bot sent are kept: `sent_messages` (in order, as first sent) and
  `message(chat_id, message_id)` (current state, after edits).
- Updates from "users": `queue_text_message(chat_id, text)`, `queue_callback_query(...)` or
  `queue_update(raw_update)`. getUpdates serves them (offset confirms, timeout long-polls);
  after setWebhook, `await deliver_webhook_updates()` POSTs them to the webhook (loopback
  only) with the X-Telegram-Bot-Api-Secret-Token header.
- Failures: `fail_next("sendMessage", count=2)` makes the next 2 calls answer HTTP 500 (or the
  status / description / retry_after you choose); `block_chat(chat_id)` makes sends to that chat
  answer 403 "bot was blocked by the user", as Telegram does.
- Like Telegram: a wrong token answers 401, an unknown method 404, bad parameters 400 with
  Telegram's wording, getUpdates while a webhook is set 409.

Parameters arrive form-encoded (as python-telegram-bot sends them), as JSON, or in the query
string; values holding JSON (numbers, booleans, objects, lists) are decoded, except for fields
that are text by nature (text, caption, data, url, ...).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.support.loopback import HttpService

Handler = Callable[[dict[str, Any]], Any]

TEXT_LIMIT = 4096
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}
_TEXT_FIELDS = {
    "text", "caption", "data", "url", "secret_token", "parse_mode", "action",
    "callback_query_id", "inline_message_id", "query_id", "emoji", "title", "description",
    "first_name", "last_name", "username", "language_code", "scope_type", "ip_address",
}


class ApiError(Exception):
    """An error answer, shaped like Telegram's: {"ok": false, "error_code", "description"}."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False, "error_code": self.status, "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class RecordedRequest:
    method: str
    token: str
    params: dict[str, Any]
    http_status: int = 200
    result: Any = None


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _Webhook:
    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None


class FakeTelegramApi(HttpService):
    """The stand-in server; use as `async with FakeTelegramApi(token=...) as api:`."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_username: str = "steady_test_bot",
        bot_first_name: str = "Steady Test",
        bot_id: int = 7000001,
        max_long_poll_seconds: float = 10.0,
    ) -> None:
        """token=None accepts any token; otherwise other tokens get 401 Unauthorized."""
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = bot_id
        self.max_long_poll_seconds = max_long_poll_seconds
        self.requests: list[RecordedRequest] = []
        self.sent_messages: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.answered_callback_queries: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.webhook: _Webhook | None = None
        self._messages: dict[tuple[Any, int], dict[str, Any]] = {}
        self._pending: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._next_message_id = 1
        self._next_callback_id = 1
        self._failures: dict[str, deque[_Failure]] = {}
        self._blocked: set[Any] = set()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._in_flight: set[asyncio.Task] = set()
        self._methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda _params: self.commands,
            "getUpdates": self._get_updates,
        }

    # -- lifecycle ------------------------------------------------------------------------

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._in_flight:  # let long polls whose client went away finish before the loop ends
            await asyncio.wait(set(self._in_flight), timeout=2)
        await super().stop()

    @property
    def base_url(self) -> str:
        """Pass as telegram.Bot(token, base_url=...)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- test controls --------------------------------------------------------------------

    def calls(self, method: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.method == method]

    def message(self, chat_id: Any, message_id: int) -> dict[str, Any] | None:
        """Current state of a message the bot sent (after any edits)."""
        return self._messages.get((chat_id, message_id))

    def fail_next(
        self,
        method: str = "sendMessage",
        count: int = 1,
        *,
        status: int = 500,
        description: str = "Internal Server Error: failure injected by the test",
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with an error (429 with retry_after too)."""
        self._failures.setdefault(method, deque()).append(
            _Failure(status, description, retry_after, count)
        )

    def block_chat(self, chat_id: Any) -> None:
        """Sends to this chat answer 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def add_method(self, name: str, handler: Handler) -> None:
        """Serve another Bot API method: handler(params) returns the result (or an awaitable of
        it) or raises ApiError."""
        self._methods[name] = handler

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (update_id is assigned when missing); returns it."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        self._pending.append(update)
        self._wake_pollers()
        return update

    def queue_text_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
    ) -> dict[str, Any]:
        """Queue a private-chat text message from a user; '/command' gets its entity."""
        user = self._user(user_id or chat_id, first_name, username)
        message: dict[str, Any] = {
            "message_id": self._take_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.queue_update({"message": message})

    def queue_callback_query(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        first_name: str = "Test",
    ) -> dict[str, Any]:
        """Queue a button press on a message the bot sent (the newest in the chat by default)."""
        message = self._message_for_callback(chat_id, message_id)
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        query = {
            "id": query_id,
            "from": self._user(user_id or chat_id, first_name, None),
            "chat_instance": f"instance-{chat_id}",
            "data": data,
            "message": message,
        }
        return self.queue_update({"callback_query": query})

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._pending)

    async def deliver_webhook_updates(self) -> list[int]:
        """POST queued updates to the webhook set by the bot; returns the HTTP statuses.

        Updates answered with 2xx are removed from the queue, others stay (as Telegram retries).
        """
        if self.webhook is None:
            raise RuntimeError("no webhook is set; the bot must call setWebhook first")
        _require_loopback(self.webhook.url)
        headers = {}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        statuses = []
        async with aiohttp.ClientSession() as session:
            for update in list(self._pending):
                async with session.post(self.webhook.url, json=update, headers=headers) as reply:
                    statuses.append(reply.status)
                    if 200 <= reply.status < 300:
                        self._pending.remove(update)
        return statuses

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        token, method = _split_path(request.path)
        params = await _read_params(request)
        name = self._canonical(method) if method else ""
        record = RecordedRequest(method=name, token=token or "", params=params)
        self.requests.append(record)
        try:
            result = await self._dispatch(token, method, params)
        except ApiError as error:
            record.http_status = error.status
            return web.json_response(error.body(), status=error.status)
        record.result = result
        return web.json_response({"ok": True, "result": result})

    async def _dispatch(self, token: str | None, method: str | None, params: dict) -> Any:
        if token is None or method is None:
            raise ApiError(404, "Not Found")
        if self.token is not None and token != self.token:
            raise ApiError(401, "Unauthorized")
        method = self._canonical(method)
        self._raise_injected_failure(method)
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        result = handler(params)
        return await result if asyncio.iscoroutine(result) else result

    def _canonical(self, method: str) -> str:
        """Telegram's method names ignore case: 'sendmessage' is 'sendMessage'."""
        return next((name for name in self._methods if name.lower() == method.lower()), method)

    def _raise_injected_failure(self, method: str) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        raise ApiError(failure.status, failure.description, failure.retry_after)

    # -- methods --------------------------------------------------------------------------

    def _get_me(self, _params: dict) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _send_message(self, params: dict) -> dict[str, Any]:
        chat_id = _required(params, "chat_id", "Bad Request: chat_id is empty")
        self._check_reachable(chat_id)
        text = _check_text(params.get("text"))
        message: dict[str, Any] = {
            "message_id": self._take_message_id(),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": self._get_me({}),
            "text": text,
        }
        _copy_optional(params, message)
        self._messages[(chat_id, message["message_id"])] = message
        self.sent_messages.append(dict(message))
        return message

    def _edit_message_text(self, params: dict) -> dict[str, Any]:
        message = self._editable(params)
        text = _check_text(params.get("text"))
        markup = params.get("reply_markup")
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = text
        message.pop("reply_markup", None)
        _copy_optional(params, message)
        message["edit_date"] = int(time.time())
        return message

    def _edit_message_reply_markup(self, params: dict) -> dict[str, Any]:
        message = self._editable(params)
        message.pop("reply_markup", None)
        _copy_optional(params, message)
        message["edit_date"] = int(time.time())
        return message

    def _send_chat_action(self, params: dict) -> bool:
        chat_id = _required(params, "chat_id", "Bad Request: chat_id is empty")
        self._check_reachable(chat_id)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append({"chat_id": chat_id, "action": action})
        return True

    def _answer_callback_query(self, params: dict) -> bool:
        _required(params, "callback_query_id", "Bad Request: query_id is empty")
        self.answered_callback_queries.append(dict(params))
        return True

    def _set_webhook(self, params: dict) -> bool:
        url = params.get("url")
        if url is None:
            raise ApiError(400, "Bad Request: bad webhook: URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not _valid_secret(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = _Webhook(url, secret, params.get("allowed_updates")) if url else None
        self._wake_pollers()
        return True

    def _delete_webhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    def _get_webhook_info(self, _params: dict) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook and self.webhook.allowed_updates:
            info["allowed_updates"] = self.webhook.allowed_updates
        return info

    def _set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        self.commands = commands
        return True

    async def _get_updates(self, params: dict) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int):
            while self._pending and self._pending[0]["update_id"] < offset:
                self._pending.popleft()
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(float(params.get("timeout") or 0), self.max_long_poll_seconds)
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._pending and not self._closing:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            wakeup = self._wakeup
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except asyncio.TimeoutError:
                break
        return list(self._pending)[:limit]

    # -- helpers --------------------------------------------------------------------------

    def _wake_pollers(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _take_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def _check_reachable(self, chat_id: Any) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _editable(self, params: dict) -> dict[str, Any]:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self._messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _message_for_callback(self, chat_id: int, message_id: int | None) -> dict[str, Any]:
        if message_id is None:
            in_chat = [m for (chat, _id), m in self._messages.items() if chat == chat_id]
            if not in_chat:
                raise ValueError(f"the bot sent no message to chat {chat_id} to press a button on")
            return dict(in_chat[-1])
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ValueError(f"the bot sent no message {message_id} to chat {chat_id}")
        return dict(message)

    @staticmethod
    def _user(user_id: int, first_name: str, username: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        return user


def _split_path(path: str) -> tuple[str | None, str | None]:
    """'/bot<token>/<method>' -> (token, method); Telegram's method names ignore case."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not parts[0].startswith("bot"):
        return None, None
    return parts[0][3:], parts[1]


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = {"filename": value.filename, "content": value.file.read()}
            else:
                params[key] = value
    return {key: _decode(key, value) for key, value in params.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _TEXT_FIELDS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return value if isinstance(decoded, str) or decoded is None else decoded


def _required(params: dict, key: str, problem: str) -> Any:
    value = params.get(key)
    if value in (None, ""):
        raise ApiError(400, problem)
    return value


def _check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > TEXT_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _copy_optional(params: dict, message: dict[str, Any]) -> None:
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    if isinstance(params.get("entities"), list):
        message["entities"] = params["entities"]


def _chat(chat_id: Any) -> dict[str, Any]:
    if isinstance(chat_id, str):
        return {"id": -1000000000001, "type": "channel", "username": chat_id.lstrip("@")}
    if chat_id < 0:
        return {"id": chat_id, "type": "group", "title": "Test group"}
    return {"id": chat_id, "type": "private", "first_name": "Test"}


def _valid_secret(secret: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return 1 <= len(secret) <= 256 and set(secret) <= allowed


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise RuntimeError(f"refusing to deliver updates to a non-loopback webhook: {url}")
