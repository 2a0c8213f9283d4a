"""Finding 2: without the key, the database holds no conversation text, no screener answers and no
raw sender id beside risk; Steady's files are owner-only."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import config
from bot.console import queue
from bot.db import Escalation, get_engine, session_scope
from bot.escalation.records import record_risk, update_cssrs
from bot.tracker_store import SteadyTrackerStore

TELEGRAM_ID = "738201945"
WORDS = "end it all tonight"


def raw_database(database_url: str) -> str:
    """Every value of every table, as text, read without the key."""
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    dump = "\n".join(connection.iterdump())
    connection.close()
    return dump


def escalate(conversation_id: str = TELEGRAM_ID) -> int:
    with session_scope() as session:
        escalation, _ = record_risk(
            session, conversation_id=conversation_id, channel="telegram", category="plan_intent",
            severity="high", spans=[{"text": WORDS, "start": 10, "end": 28, "rule": "plan"}],
        )
        update_cssrs(session, conversation_id, {"q3_method": "yes, i have pills saved"}, "imminent")
        escalation_id = escalation.id
    queue.add_note(escalation_id, "alice", "she said pills saved")
    return escalation_id


def test_escalation_words_screener_answers_notes_and_sender_id_are_not_readable_without_the_key(
    steady_env: Any,
) -> None:
    escalation_id = escalate()
    dump = raw_database(steady_env.database_url)
    for secret in (WORDS, "pills saved", TELEGRAM_ID):
        assert secret not in dump, f"{secret!r} is stored in plaintext"
    with session_scope() as session:  # with the key, everything reads back
        stored = session.get(Escalation, escalation_id)
        assert stored.conversation_id == TELEGRAM_ID
        assert stored.spans[0]["text"] == WORDS and stored.cssrs["q3_method"] == "yes, i have pills saved"
    assert [note.text for note in queue.notes(escalation_id)] == ["she said pills saved"]


def test_repeated_risk_in_one_conversation_still_updates_its_one_escalation(steady_env: Any) -> None:
    first = escalate()
    second = escalate()
    assert first == second


def test_the_tracker_store_keeps_no_intent_or_action_name_beside_the_sender_id(steady_env: Any) -> None:
    tracker = DialogueStateTracker(TELEGRAM_ID, [])
    tracker.update(UserUttered("i want to " + WORDS, {"name": "risk", "confidence": 1.0}))
    asyncio.run(SteadyTrackerStore(domain=Domain.empty()).save(tracker))
    connection = sqlite3.connect(steady_env.database_url.removeprefix("sqlite:///"))
    rows = connection.execute("SELECT intent_name, action_name FROM events WHERE sender_id = ?", (TELEGRAM_ID,))
    assert [row for row in rows if any(row)] == []
    assert WORDS not in raw_database(steady_env.database_url)


def test_every_steady_process_creates_files_owner_only() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "import bot, os; print(oct(os.umask(0)))"],
        capture_output=True, text=True, check=True, cwd=config.REPO_ROOT,
    ).stdout.strip()
    assert shown == "0o77"


def test_var_and_the_database_are_owner_only_even_if_an_earlier_run_left_them_open(
    steady_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Path(steady_env.database_url.removeprefix("sqlite:///"))
    os.umask(0o022)
    try:
        sqlite3.connect(database).close()
        database.chmod(0o644)
        steady_env.var_dir.chmod(0o755)
        get_engine()
        config.var_dir()
    finally:
        os.umask(0o077)
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(steady_env.var_dir.stat().st_mode) == 0o700


def test_a_new_secret_is_created_owner_only_not_chmodded_after_writing(
    steady_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the secret was written first and restricted afterwards")

    monkeypatch.setattr(Path, "chmod", refuse)
    monkeypatch.delenv("STEADY_ENCRYPTION_KEY", raising=False)
    os.umask(0o022)
    try:
        key = config.encryption_key()
    finally:
        os.umask(0o077)
    path = steady_env.var_dir / "secrets" / "encryption.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.encryption_key() == key, "the second reader gets the same key"


def test_an_older_database_with_plaintext_escalations_is_encrypted_on_upgrade(steady_env: Any) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from bot.migrate import alembic_config

    engine = create_engine(steady_env.database_url, future=True)
    settings = alembic_config(engine)
    with engine.begin() as connection:
        settings.attributes["connection"] = connection
        command.upgrade(settings, "0004")
        connection.execute(text(
            "INSERT INTO escalations (pseudonym, conversation_id, channel, category, severity, spans, cssrs, status,"
            " risk_count, created_at, updated_at) VALUES ('p', :cid, 'telegram', 'plan_intent', 'high', :spans,"
            " '{\"q1\": \"pills saved\"}', 'open', 1, '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
        ), {"cid": TELEGRAM_ID, "spans": f'[{{"text": "{WORDS}"}}]'})
    engine.dispose()
    with session_scope(get_engine()) as session:
        stored = session.query(Escalation).one()
        assert stored.conversation_id == TELEGRAM_ID and stored.spans == [{"text": WORDS}]
    dump = raw_database(steady_env.database_url)
    assert WORDS not in dump and TELEGRAM_ID not in dump and "pills saved" not in dump
