"""Live takeover: a counselor talks to the person while the assistant is paused.

Everything goes through Rasa's HTTP API (`--enable-api` with a token), which records the events
in the tracker and, with output_channel=latest&execute_side_effects=true, delivers bot messages
to the person's own channel (Telegram, the website widget):

    take over   [pause, bot "a counselor has joined"]
    message     [bot <counselor's text>]            (metadata {"counselor": ...} marks it)
    hand back   [resume, bot "the counselor has left"]

Rasa 3.6 ends a pause on its built-in `restart` intent and on a new session, so `watch` re-pauses
any conversation whose takeover is still open but whose tracker no longer says paused.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.console import audit
from bot.console.accounts import display_name_of
from bot.conversations import is_paused
from bot.db import Escalation, Takeover, session_scope
from bot.escalation import records
from bot.rasa_api import RasaApi, RasaRefused, RasaUnreachable
from bot.wording import say

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
WATCH_INTERVAL_S = 2.0


class TakeoverError(RuntimeError):
    """A takeover step that did not happen; the message is shown to the counselor."""


@dataclass(frozen=True)
class ActiveTakeover:
    id: int
    escalation_id: int
    conversation_id: str
    counselor: str


def told(moment: str, name: str | None) -> str:
    """What the person is told at this moment of a takeover (bot/content/takeover.yml), naming the
    counselor when they have a display name."""
    return say("takeover", moment, "named", name=name) if name else say("takeover", moment, "unnamed")


def _open_takeovers(escalation_id: int | None = None) -> list[ActiveTakeover]:
    """Takeovers not yet handed back. The conversation id is read from the escalation (erasure rewrites it)."""
    query = (
        select(Takeover.id, Takeover.escalation_id, Escalation.conversation_id, Takeover.counselor)
        .join(Escalation, Escalation.id == Takeover.escalation_id)
        .where(Takeover.ended_at.is_(None))
    )
    if escalation_id is not None:
        query = query.where(Takeover.escalation_id == escalation_id)
    with session_scope() as session:
        return [ActiveTakeover(*row) for row in session.execute(query).all()]


def active_takeover(escalation_id: int) -> ActiveTakeover | None:
    found = _open_takeovers(escalation_id)
    return found[0] if found else None


def all_active() -> list[ActiveTakeover]:
    return _open_takeovers()


class Takeovers:
    """Takeover actions against one Rasa server. One lock orders them with the re-pause watcher."""

    def __init__(self, http: aiohttp.ClientSession, rasa_url: str, token: str) -> None:
        self.api = RasaApi(http, rasa_url, token)
        self.lock = asyncio.Lock()

    async def _post(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        try:
            await self.api.post_events(conversation_id, events)
        except RasaRefused as error:
            log.error("Rasa refused takeover events (HTTP %s): %s", error.status, error.body)
            raise TakeoverError(f"The assistant's server refused the change (HTTP {error.status}).") from None
        except RasaUnreachable as error:
            log.error("Rasa did not answer a takeover request: %s", error)
            raise TakeoverError("The assistant's server is not answering; nothing was sent. Try again.") from None

    @staticmethod
    def _bot(text: str, counselor: str) -> dict[str, Any]:
        return {"event": "bot", "text": text, "metadata": {"counselor": counselor}}

    async def take_over(self, escalation_id: int, counselor: str) -> None:
        """Pause the assistant and tell the person a counselor has joined; acknowledges the escalation."""
        async with self.lock:
            current = active_takeover(escalation_id)
            if current is not None:
                raise TakeoverError(f"{current.counselor} is already talking to this person.")
            try:
                with session_scope() as session:
                    conversation_id = records.prepare_takeover(session, escalation_id, counselor)
            except records.Refused as refusal:
                raise TakeoverError(str(refusal)) from None
            joined = self._bot(told("joined", display_name_of(counselor)), counselor)
            await self._post(conversation_id, [{"event": "pause"}, joined])
            with session_scope() as session:
                records.begin_takeover(session, escalation_id, counselor)

    async def send(self, escalation_id: int, counselor: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise TakeoverError("The message is empty.")
        if len(text) > MAX_MESSAGE_CHARS:
            raise TakeoverError(f"A message can be at most {MAX_MESSAGE_CHARS} characters (this has {len(text)}).")
        async with self.lock:
            takeover = self._owned(escalation_id, counselor)
            await self._ensure_paused(takeover)
            await self._post(takeover.conversation_id, [self._bot(text, counselor)])

    async def hand_back(self, escalation_id: int, actor: str, may_end_others: bool = False) -> None:
        """Resume the assistant and tell the person the counselor has left."""
        async with self.lock:
            takeover = active_takeover(escalation_id)
            if takeover is None:
                raise TakeoverError("Nobody is talking to this person from the console.")
            if takeover.counselor != actor and not may_end_others:
                raise TakeoverError(f"Only {takeover.counselor} or a supervisor can hand this conversation back.")
            name = display_name_of(takeover.counselor)
            await self._post(takeover.conversation_id, [{"event": "resume"}, self._bot(told("left", name), actor)])
            with session_scope() as session:
                records.end_takeover(session, takeover.id)

    def _owned(self, escalation_id: int, counselor: str) -> ActiveTakeover:
        takeover = active_takeover(escalation_id)
        if takeover is None:
            raise TakeoverError("Take over the conversation before sending messages.")
        if takeover.counselor != counselor:
            raise TakeoverError(f"{takeover.counselor} is talking to this person; only they can send messages.")
        return takeover

    async def _ensure_paused(self, takeover: ActiveTakeover) -> bool:
        """Pause again if Rasa resumed on its own (restart, new session); True if it had to."""
        if records.is_erased(takeover.conversation_id) or is_paused(takeover.conversation_id):
            return False
        name = display_name_of(takeover.counselor)
        await self._post(
            takeover.conversation_id, [{"event": "pause"}, self._bot(told("still_here", name), takeover.counselor)]
        )
        with session_scope() as session:
            records.count_repause(session, takeover.id)
        audit.record("system", "takeover_repaused", escalation_id=takeover.escalation_id,
                     detail="the assistant resumed without a hand-back; paused again")
        log.warning("takeover of escalation %s: the assistant had resumed; paused again", takeover.escalation_id)
        return True

    async def check(self, escalation_id: int) -> bool:
        """Re-pause one conversation if needed; True if it was re-paused."""
        async with self.lock:
            takeover = active_takeover(escalation_id)
            return bool(takeover) and await self._ensure_paused(takeover)

    async def watch(self, interval: float = WATCH_INTERVAL_S) -> None:
        """Runs for the life of the console: keeps every open takeover paused."""
        while True:
            for takeover in all_active():
                try:
                    await self.check(takeover.escalation_id)
                except TakeoverError as error:
                    log.error("could not re-pause escalation %s: %s", takeover.escalation_id, error)
                except Exception:  # the watcher must outlive any one bad pass
                    log.exception("takeover watcher pass failed")
            await asyncio.sleep(interval)
