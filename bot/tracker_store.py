"""Rasa's SQL tracker store, on the database Steady's settings name, with conversation text encrypted.

The `data` column of Rasa's `events` table (the full event, including what the person wrote) is
encrypted on insert and decrypted on load. The intent and action name columns are left empty (they
are inside the encrypted data): beside a sender id, "risk" or a crisis reply would say who disclosed
what. Ids, event types and timestamps stay readable.
"""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import event
from sqlalchemy.orm.attributes import set_committed_value

from bot import config
from bot.crypto import decrypt_text, encrypt_text
from bot.db import engine_for

SQLEvent = SQLTrackerStore.SQLEvent


@event.listens_for(SQLEvent, "before_insert")
def _encrypt_on_insert(_mapper: Any, _connection: Any, row: SQLEvent) -> None:
    row.data = encrypt_text(row.data)
    row.intent_name = None
    row.action_name = None


@event.listens_for(SQLEvent, "load")
def _decrypt_on_load(row: SQLEvent, _context: Any) -> None:
    set_committed_value(row, "data", decrypt_text(row.data))  # not a change to write back


class SteadyTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)
        url = config.database_url()
        engine_for(url)  # the project's tables (and SQLite's WAL mode) exist before Rasa writes
        config.encryption_key()  # fail at start-up, not mid-conversation, if the key is unusable
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
