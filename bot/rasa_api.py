"""Rasa's HTTP API (started with --enable-api by bot/rasa_server.py) as Steady's own processes use it.

The counselor console posts takeover events (pause, the counselor's messages, resume); the
reminder worker reads a conversation's tracker, triggers the check-in intent and, when it stops
check-ins nobody answered, executes the response that says so. With output_channel=latest Rasa
delivers the bot's messages to the person's own channel (Telegram, the website widget).

    api = RasaApi(http, config.rasa_url(), config.rasa_api_token())
    tracker = await api.tracker("123456")
    await api.trigger_intent("123456", "EXTERNAL_checkin_reminder")
    await api.execute("123456", "utter_reminders_paused")
    await api.post_events("123456", [{"event": "pause"}])

The token travels in the Authorization header, never in the URL (URLs end up in logs).
Errors: RasaUnreachable when Rasa does not answer, RasaRefused (with the status) when it says no.
Neither message holds the token or anything the person wrote.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any
from urllib.parse import quote

import aiohttp


def rasa_url_for(conversation_id: str, urls: list[str]) -> str:
    """The Rasa server that handles this conversation when several share the work (a stable choice)."""
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return urls[int.from_bytes(digest[:4], "big") % len(urls)]


class RasaUnreachable(RuntimeError):
    """Rasa did not answer (not running, connection refused, timed out)."""


class RasaRefused(RuntimeError):
    """Rasa answered with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.body = status, body


class RasaApi:
    """One Rasa server's HTTP API, with its token, over a shared aiohttp session."""

    def __init__(self, http: aiohttp.ClientSession, rasa_url: str, token: str) -> None:
        self.http, self.rasa_url, self.token = http, rasa_url.rstrip("/"), token

    def url(self, conversation_id: str, path: str) -> str:
        return f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/{path}"

    async def request(
        self, method: str, conversation_id: str, path: str, body: Any = None, **params: str
    ) -> dict[str, Any]:
        """One call to /conversations/{id}/{path}; returns the JSON answer."""
        url, headers = self.url(conversation_id, path), {"Authorization": f"Bearer {self.token}"}
        try:
            async with self.http.request(method, url, params=params, json=body, headers=headers) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise RasaUnreachable(type(error).__name__) from None  # its text can hold the URL, token included
        if status >= 300:
            raise RasaRefused(status, text[:300])
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            raise RasaRefused(status, "the answer is not JSON") from None
        return answer if isinstance(answer, dict) else {"result": answer}

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's current state: paused, active_loop, events since the last restart."""
        return await self.request("GET", conversation_id, "tracker")

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run the assistant as if the person had said `intent`; its replies go to their channel."""
        body = {"name": intent, "entities": entities or {}}
        return await self.request("POST", conversation_id, "trigger_intent", body, output_channel="latest")

    async def execute(self, conversation_id: str, action: str) -> dict[str, Any]:
        """Run one action (a response such as "utter_reminders_paused") without a message from the
        person; what it says goes to their channel.

        Unlike trigger_intent this predicts nothing afterwards, so the tracker does not end with
        action_listen: execute "action_listen" next, or the person's next message is read as
        coming after the action rather than after listening (rules would not match it).
        """
        return await self.request("POST", conversation_id, "execute", {"name": action}, output_channel="latest")

    async def post_events(self, conversation_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Append events (pause, resume, bot messages); bot messages reach the person's channel."""
        return await self.request(
            "POST", conversation_id, "tracker/events", events, output_channel="latest", execute_side_effects="true"
        )
