"""Rasa's SQL tracker store, pointed at the database Steady's settings name."""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from bot import config
from bot.db import engine_for


class SteadyTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)
        url = config.database_url()
        engine_for(url)  # the project's tables (and SQLite's WAL mode) exist before Rasa writes
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
