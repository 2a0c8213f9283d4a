"""Rasa's `events` table, where its SQL tracker store keeps the conversations: the one place outside
Rasa that reads it, decrypts it or deletes from it (the web server, the console, erasure, retention).

A conversation is every event of one sender id. The `data` column holds the whole event as JSON,
encrypted at rest (bot/tracker_store.py writes it); ids, event types and timestamps stay readable.
Until Rasa stores its first conversation the table does not exist, and every read finds nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.crypto import decrypt_text
from bot.db import get_engine

log = logging.getLogger(__name__)

EVENTS = table(
    "events", column("id"), column("sender_id"), column("type_name"), column("timestamp"), column("data")
)
STATE_EVENTS = ("pause", "resume", "restart", "session_started")  # the latest says whether Rasa is paused


@dataclass(frozen=True)
class StoredEvent:
    """One row of the table, its data decrypted."""

    id: int
    type_name: str
    timestamp: float | None
    data: dict[str, Any]


def event_data(stored: str, key: bytes | None = None) -> dict[str, Any]:
    """One row's `data` column as a dict; DecryptionError (a ValueError) if another key encrypted it."""
    return json.loads(decrypt_text(stored, key))


def decoded(data: Any, lenient: bool = False) -> dict[str, Any]:
    """The event in a stored `data` value (text, or already a dict). Unreadable data raises, or with
    `lenient` is logged and read as {} (one damaged row must not hide a whole transcript)."""
    if not isinstance(data, str):
        return data or {}
    try:
        value = event_data(data)
    except ValueError:  # DecryptionError (another key) or damaged JSON
        if not lenient:
            raise
        log.error("an event of the tracker store could not be read (wrong encryption key?)")
        return {}
    return value if isinstance(value, dict) else {}


def _exists(bind: Engine) -> bool:
    return inspect(bind).has_table(EVENTS.name)


def events(
    sender_id: str,
    *,
    kinds: tuple[str, ...] | None = None,
    after_id: int = 0,
    newest: int | None = None,
    engine: Engine | None = None,
    lenient: bool = False,
) -> list[StoredEvent]:
    """One conversation's events, oldest first: only `kinds` (all if None), only rows after `after_id`,
    only the `newest` so many (all if None). `lenient` as in `decoded`."""
    engine = engine or get_engine()
    if not _exists(engine):
        return []
    query = select(EVENTS).where(EVENTS.c.sender_id == sender_id, EVENTS.c.id > after_id)
    if kinds is not None:
        query = query.where(EVENTS.c.type_name.in_(kinds))
    query = query.order_by(EVENTS.c.id.desc()).limit(newest) if newest else query.order_by(EVENTS.c.id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    if newest:
        rows.reverse()
    return [StoredEvent(row.id, row.type_name, row.timestamp, decoded(row.data, lenient)) for row in rows]


def is_paused(sender_id: str, engine: Engine | None = None) -> bool:
    """Whether Rasa holds the conversation paused: the latest pause/resume/restart/new session is a pause."""
    engine = engine or get_engine()
    if not _exists(engine):
        return False
    query = (
        select(EVENTS.c.type_name)
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(STATE_EVENTS))
        .order_by(EVENTS.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar() == "pause"


def delete(session: Session, sender_id: str) -> int:
    """Delete one conversation in the caller's transaction; returns how many events went."""
    if not _exists(session.get_bind()):
        return 0
    return session.execute(EVENTS.delete().where(EVENTS.c.sender_id == sender_id)).rowcount or 0


def idle_senders(session: Session, before: float) -> list[str]:
    """The sender ids whose newest event is older than `before` (a Unix timestamp)."""
    if not _exists(session.get_bind()):
        return []
    query = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(func.max(EVENTS.c.timestamp) < before)
    return list(session.execute(query).scalars())
