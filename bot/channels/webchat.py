"""The web chat widget's channel: Rasa's socket.io channel with Steady's safety checks.

Registered in credentials.yml as `bot.channels.webchat.WebchatInput`. On top of Rasa's behaviour:
- typed text never forces an intent, and a claimed button press is used only if the assistant
  offered it in its latest turn (or it is one of the channel's own commands): bot/channels/inbound.py,
  shared with every other channel; text is sanitised (half an emoji cannot break the NLU);
- if handling a message fails, the person gets a reply saying so (never silence), and the log
  names the error without the person's words;
- the session id is a secret this channel issues; the conversation (and the room its replies go to)
  is a one-way hash of it (inbound.conversation_of), so a conversation id, known or guessed, opens nothing;
- metadata is reduced to what Steady uses: channel, a country guess from the browser's language,
  whether the message was a button click and the button's title;
- over-long or empty messages get a clear reply instead of being dropped;
- replies reach the socket: the room is really entered (Rasa 3.6.21 forgets to await it with
  python-socketio 5.x) and custom payloads are sent as {"custom": {...}}.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from bot.channels import inbound
from bot.channels.names import WEBCHAT
from bot.payloads import offered_buttons
from bot.web.limits import say

logger = logging.getLogger(__name__)

CHANNEL_NAME = WEBCHAT



def country_guess(language: Any) -> str | None:
    """The region of a browser language tag ("en-GB" -> "GB", "zh-Hant-TW" -> "TW"), else None."""
    if not isinstance(language, str) or len(language) > 35:
        return None
    for subtag in re.split(r"[-_]", language)[1:]:
        if len(subtag) == 2 and subtag.isascii() and subtag.isalpha():
            return subtag.upper()
    return None


def clean_metadata(raw: Any, is_button: bool) -> dict[str, Any]:
    """Only the metadata Steady uses; anything else the browser sent is dropped."""
    raw = raw if isinstance(raw, dict) else {}
    metadata: dict[str, Any] = {"channel": CHANNEL_NAME, "country_guess": country_guess(raw.get("language"))}
    if is_button:
        metadata["button"] = True
        title = raw.get("title")
        if isinstance(title, str) and title.strip():
            metadata["title"] = title.strip()[:200]
    return metadata


def claims_button(raw_metadata: Any) -> bool:
    return isinstance(raw_metadata, dict) and raw_metadata.get("button") is True


class WebchatOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads sent as one {"custom": ...} message."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # Rasa's version spreads the payload into emit()'s keyword arguments, which fails.
        await self._send_message(recipient_id, {"custom": json_message})


class WebchatInput(SocketIOInput):
    """Rasa's socket.io input channel with the checks described in this module's docstring."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app: Sanic | None = None

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa's API with output_channel=latest (e.g. a counselor's message)."""
        if self.sio is None:
            return super().get_output_channel()
        return WebchatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        assert self.sio is not None  # set by SocketIOInput.blueprint

        async def remember_app(app: Sanic, _loop: Any) -> None:
            self.app = app

        async def session_request(sid: str, data: Any) -> None:
            await self.session_request(sid, data)

        async def handle_message(sid: str, data: Any) -> None:
            await self.handle_message(sid, data, on_new_message)

        blueprint.listener("before_server_start")(remember_app)
        self.sio.on("session_request", session_request, namespace=self.namespace)
        self.sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint

    async def session_request(self, sid: str, data: Any) -> None:
        """Confirms the session secret the browser holds, or issues a new one if it holds none (or a bad
        one). The socket joins the room of the conversation, where Rasa sends the replies."""
        asked = data.get("session_id") if isinstance(data, dict) else None
        session_id = asked if inbound.valid_session_id(asked) else inbound.new_session_id()
        if self.session_persistence:
            await self._sio().enter_room(sid, inbound.conversation_of(session_id), namespace=self.namespace)
        await self._sio().emit("session_confirm", session_id, room=sid, namespace=self.namespace)

    async def handle_message(
        self, sid: str, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        data = data if isinstance(data, dict) else {}
        sender_id = sid
        if self.session_persistence:
            sender_id = inbound.conversation_of(data.get("session_id"))
            if sender_id is None:
                await self._reply(sid, say("widget_bad_session"))
                return
            try:
                await self._sio().enter_room(sid, sender_id, namespace=self.namespace)
            except Exception:  # noqa: BLE001 - the socket closed right after sending: the message is still
                logger.info("The widget's socket closed before its message was handled")  # handled and stored
        text = data.get("message")
        text = inbound.sanitise(text) if isinstance(text, str) else ""
        if inbound.too_long(text):
            limit = f"{inbound.MAX_MESSAGE_CHARS:,}"
            await self._reply(sid, say("widget_too_long", length=f"{len(text):,}", limit=limit))
            return
        raw_metadata = data.get(self.metadata_key)
        button = await self._accepted_button(sender_id, text) if claims_button(raw_metadata) else None
        text = button or inbound.typed_text(text)
        if not text:
            await self._reply(sid, say("widget_empty"))
            return
        output = WebchatOutput(self._sio(), self.bot_message_evt)
        metadata = clean_metadata(raw_metadata, button is not None)
        try:
            await on_new_message(UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata))
        except Exception as error:  # noqa: BLE001 - the person must get an answer, not silence
            logger.error("Handling a widget message failed: %s", type(error).__name__)
            await self._reply(sid, say("something_wrong"))

    async def _accepted_button(self, sender_id: str, claimed: str) -> str | None:
        """The payload if it is a channel command or one of the assistant's latest buttons, else None."""
        if claimed.strip() in inbound.CHANNEL_COMMANDS:
            return inbound.button_payload(claimed, ())
        agent = getattr(self.app.ctx, "agent", None) if self.app else None
        if agent is None or agent.tracker_store is None:
            return None
        try:
            tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:  # a storage error must not stop the message; it is just treated as typed
            logger.exception("Could not read the conversation to check a button click")
            return None
        return inbound.button_payload(claimed, offered_buttons(tracker.events) if tracker else ())

    async def _reply(self, sid: str, text: str) -> None:
        await self._sio().emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

    def _sio(self) -> Any:
        if self.sio is None:
            raise RuntimeError("The web chat channel is not attached to a server yet.")
        return self.sio
