"""Finding 10: erasure and retention leave no words behind: counselors' notes redacted, the
conversation id rewritten in both, the SQLite write-ahead log emptied, secure_delete on."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.console import queue
from bot.db import Escalation, get_engine, session_scope
from bot.erasure import erase_person
from bot.escalation.records import record_risk
from bot.retention import purge
from tests.unit.test_retention_and_erasure import conversation

NOTE = "she told me her sister's address is 12 Elm Road"


def escalate(sender: str) -> int:
    with session_scope() as session:
        escalation, _ = record_risk(session, conversation_id=sender, channel="telegram", category="self_harm",
                                    severity="high", spans=[{"text": "hurt myself", "start": 0, "end": 11}])
        escalation_id = escalation.id
    queue.add_note(escalation_id, "sam", NOTE)
    return escalation_id


def stored(escalation_id: int) -> Escalation:
    with session_scope() as session:
        row = session.get(Escalation, escalation_id)
        session.expunge(row)
        return row


def test_erasure_redacts_counselors_notes_and_empties_the_write_ahead_log(steady_env: Any) -> None:
    conversation("738201945", days_ago=1, words="i hurt myself again")
    escalation_id = escalate("738201945")
    erase_person("738201945")
    assert all(NOTE not in note.text for note in queue.notes(escalation_id))
    assert not stored(escalation_id).conversation_id.startswith("738201945")
    wal = Path(steady_env.database_url.removeprefix("sqlite:///") + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the write-ahead log was checkpointed and truncated"


def test_retention_rewrites_the_conversation_id_as_erasure_does(steady_env: Any) -> None:
    conversation("738201945", days_ago=45)
    escalation_id = escalate("738201945")
    assert purge(30, now=datetime.now(timezone.utc)) == ["738201945"]
    kept = stored(escalation_id)
    assert kept.conversation_id.startswith("erased:") and kept.spans == []
    assert all(NOTE not in note.text for note in queue.notes(escalation_id))


def test_secure_delete_is_on_for_every_connection(steady_env: Any) -> None:
    with get_engine().connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
