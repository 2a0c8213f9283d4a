"""Conversation text is encrypted at rest: readable with the key, never plaintext in the database."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations import event_data
from bot.crypto import DecryptionError
from bot.tracker_store import SteadyTrackerStore

SECRET_WORDS = "my landlord screams at me every night"


def save_conversation(store: SteadyTrackerStore, sender: str) -> None:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(SECRET_WORDS, {"name": "mood_problem", "confidence": 0.9}))
    tracker.update(BotUttered("That sounds hard."))
    asyncio.run(store.save(tracker))


def test_with_the_key_rasa_reads_the_conversation_back(steady_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_ENCRYPTION_KEY", Fernet.generate_key().decode())
    store = SteadyTrackerStore(domain=Domain.empty())
    save_conversation(store, "person-1")
    tracker = asyncio.run(SteadyTrackerStore(domain=Domain.empty()).retrieve("person-1"))
    assert tracker is not None and tracker.latest_message.text == SECRET_WORDS


def test_without_the_key_the_database_shows_no_plaintext(steady_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_ENCRYPTION_KEY", Fernet.generate_key().decode())
    store = SteadyTrackerStore(domain=Domain.empty())
    save_conversation(store, "person-2")
    asyncio.run(store.retrieve("person-2"))  # reading must not write plaintext back
    raw = sqlite3.connect(steady_env.database_url.removeprefix("sqlite:///"))
    rows = [row[0] for row in raw.execute("SELECT data FROM events WHERE sender_id = 'person-2'")]
    dump = "\n".join(raw.iterdump())
    assert rows and all(row.startswith("enc:v1:") for row in rows)
    assert "landlord" not in dump and "That sounds hard" not in dump
    assert event_data(rows[1])["text"] == SECRET_WORDS
    with pytest.raises(DecryptionError):
        event_data(rows[1], key=Fernet.generate_key())
