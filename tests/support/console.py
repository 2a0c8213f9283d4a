"""Helpers for the console's tests: accounts, escalations, usage rows, and
conversations written to the project's real tracker store (Rasa's SQLTrackerStore)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.console.accounts import create_account
from bot.db import Escalation, UsageEvent, session_scope
from bot.escalation.records import record_risk
from bot.usage import Who, record

PASSWORD = "a long enough passphrase"


@dataclass
class Turn:
    """One exchange: what the person wrote (with detector hits) and what came back."""

    user: str
    hits: list[dict] = field(default_factory=list)
    bot: str | None = None
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def hit(message: str, words: str, severity: str = "high", category: str = "active_ideation") -> dict:
    start = message.index(words)
    return {
        "category": category,
        "severity": severity,
        "start": start,
        "end": start + len(words),
        "text": words,
        "rule": "test",
    }


def save_conversation(
    sender_id: str, turns: list[Turn], channel: str = "socketio", extra_events: list | None = None
) -> None:
    """Write the turns (and any further Rasa events) into the tracker store, as Rasa would."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import SteadyTrackerStore

    store = SteadyTrackerStore(domain=Domain.empty())
    tracker = asyncio.run(store.retrieve(sender_id)) or DialogueStateTracker(sender_id, slots=[])
    if not tracker.events:
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
    for turn in turns:
        risk = {"is_risk": bool(turn.hits), "hits": turn.hits}
        intent = {"name": "risk" if turn.hits else "chitchat", "confidence": 1.0}
        tracker.update(
            UserUttered(turn.user, intent, [], {"risk": risk}, input_channel=channel, message_id=turn.message_id)
        )
        if turn.bot is not None:
            tracker.update(BotUttered(turn.bot))
        tracker.update(ActionExecuted("action_listen"))
    for event in extra_events or []:
        tracker.update(event)
    asyncio.run(store.save(tracker))


def open_escalation(
    conversation_id: str,
    severity: str = "high",
    turns: list[Turn] | None = None,
    cssrs: dict | None = None,
    pseudonym: str = "p-test",
) -> int:
    spans = [{**span, "message_id": turn.message_id} for turn in turns or [] for span in turn.hits]
    with session_scope() as session:
        escalation, _ = record_risk(
            session,
            pseudonym=pseudonym,
            conversation_id=conversation_id,
            channel="web",
            category="active_ideation",
            severity=severity,
            spans=spans,
            cssrs=cssrs,
        )
        return escalation.id


def backdate(escalation_id: int, created_at: datetime) -> None:
    with session_scope() as session:
        session.get(Escalation, escalation_id).created_at = created_at


def usage(pseudonym: str, kind: str, *, at: datetime | None = None, **fields: Any) -> None:
    """One usage row as the actions write it (bot.usage.record, from the widget), dated `at` when given."""
    record(Who(pseudonym, "web"), kind, **fields)
    if at is not None:
        with session_scope() as session:
            newest = session.query(UsageEvent).filter_by(pseudonym=pseudonym).order_by(UsageEvent.id.desc()).first()
            newest.created_at = at


def accounts(*names: tuple[str, str]) -> None:
    """Create (username, role) accounts, all with PASSWORD."""
    for username, role in names:
        create_account(username, role, PASSWORD)
