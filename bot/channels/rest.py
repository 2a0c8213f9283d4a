"""Rasa's REST channel with Steady's checks at the start of the pipeline (credentials.yml `rest` entry).

Used on loopback by the chat page server and `make shell`. On top of Rasa's RestInput:
- an empty, null or non-JSON body, a missing or malformed sender id (more than 128 characters, or
  characters other than letters, digits and `_.:@-`) or a message that is not text gives 400, not 500;
- text is sanitised (bot/channels/inbound.py) and capped: longer than 2,000 characters gives 413 with
  a reply asking for shorter parts, so one message cannot stall the NLU for everybody;
- as in every channel, text never forces an intent unless it is exactly a button payload the
  assistant offered in its latest turn (or a channel command such as /greet);
- when handling the message fails, the reply says so (never an empty answer) and the log names the
  error without the person's words (Rasa's own version logs the text);
- Rasa's structured logs are redacted (bot/logs.py) and the NLU runs off the event loop
  (bot/nlu_thread.py) once the channels are set up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels import inbound
from bot.logs import redact_rasa_logs
from bot.nlu_thread import run_nlu_in_threads
from bot.payloads import offered_buttons
from bot.web.limits import say

logger = logging.getLogger(__name__)


def checked_body(request: Request) -> tuple[str, str, dict[str, Any] | None] | tuple[int, str]:
    """(sender, text, metadata) for Rasa, or (status, reason) to refuse the request with."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is not JSON
        body = None
    if not isinstance(body, dict):
        return 400, "Send a JSON object with 'sender' and 'message'."
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not inbound.valid_sender(sender):
        return 400, "'sender' must be 1-128 letters, digits or _.:@-"
    if not isinstance(text, str) or not inbound.sanitise(text).strip():
        return 400, "'message' must be non-empty text."
    if inbound.too_long(text):
        return 413, say("too_long", limit=f"{inbound.MAX_MESSAGE_CHARS:,}")
    return sender, inbound.sanitise(text), metadata if isinstance(metadata, dict) else None


async def accepted_text(agent: Any, sender: str, text: str) -> str:
    """The text for Rasa: a button payload only if offered (or a channel command), else typed text."""
    claimed = text.strip()
    if claimed.startswith("/"):
        offered: set[str] = set()
        if claimed not in inbound.CHANNEL_COMMANDS and agent is not None and agent.tracker_store is not None:
            try:
                tracker = await agent.tracker_store.retrieve(sender)
            except Exception:  # noqa: BLE001 - then it is simply treated as typed
                logger.exception("Could not read the conversation to check a button payload")
                tracker = None
            offered = offered_buttons(tracker.events) if tracker is not None else set()
        button = inbound.button_payload(claimed, offered)
        if button:
            return button
    return inbound.typed_text(text)


class RestInput(RasaRestInput):
    """Rasa's REST channel (same name and URL: /webhooks/rest/webhook) with the checks above."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        redact_rasa_logs()  # Rasa has configured its logging by now
        run_nlu_in_threads()  # a long message must not stall every conversation (bot/nlu_thread.py)
        webhook = Blueprint("steady_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> Any:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            checked = checked_body(request)
            if isinstance(checked[0], int):
                status, reason = checked
                return response.json({"error": reason}, status=status)
            sender, text, metadata = checked
            text = await accepted_text(getattr(request.app.ctx, "agent", None), sender, text)
            if not text:
                return response.json({"error": say("unreadable")}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception as error:  # noqa: BLE001 - the person must get an answer, not silence
                logger.error("Handling a REST message failed: %s", type(error).__name__)
                return response.json([{"recipient_id": sender, "text": say("something_wrong")}])
            return response.json(collector.messages)

        return webhook
