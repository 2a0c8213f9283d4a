"""Retention purges old conversations; erasure removes one person's data; both keep redacted escalations."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.db import Escalation, UsageEvent, session_scope
from bot.erasure import erase_person
from bot.escalation.records import record_risk
from bot.pseudonym import pseudonymise
from bot.retention import purge
from bot.tracker_store import SteadyTrackerStore

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def conversation(sender: str, days_ago: float, words: str = "hello there") -> None:
    tracker = DialogueStateTracker(sender, [])
    timestamp = (NOW - timedelta(days=days_ago)).timestamp()
    tracker.update(UserUttered(words, {"name": "greet", "confidence": 1.0}, timestamp=timestamp))
    asyncio.run(SteadyTrackerStore(domain=Domain.empty()).save(tracker))


def senders(database_url: str) -> set[str]:
    raw = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    return {row[0] for row in raw.execute("SELECT DISTINCT sender_id FROM events")}


def test_retention_purges_only_conversations_idle_longer_than_the_limit(steady_env: Any) -> None:
    conversation("old", days_ago=45)
    conversation("recent", days_ago=2)
    with session_scope() as session:
        record_risk(
            session,
            pseudonym="p",
            conversation_id="old",
            channel="rest",
            category="self_harm",
            severity="moderate",
            spans=[{"text": "hurt myself", "start": 0, "end": 11}],
        )
    assert purge(30, now=NOW) == ["old"]
    assert senders(steady_env.database_url) == {"recent"}
    with session_scope() as session:
        escalation = session.query(Escalation).one()
        assert escalation.spans == [] and escalation.severity == "moderate", "kept for safeguarding, redacted"
    assert purge(30, now=NOW) == []


def test_erasure_removes_the_conversation_and_usage_rows_of_one_person(steady_env: Any) -> None:
    conversation("person-a", days_ago=1, words="my secret")
    conversation("person-b", days_ago=1)
    with session_scope() as session:
        session.add(UsageEvent(pseudonym=pseudonymise("person-a"), kind="start", exercise="grounding"))
        session.add(UsageEvent(pseudonym=pseudonymise("person-b"), kind="start", exercise="grounding"))
        record_risk(
            session,
            pseudonym=pseudonymise("person-a"),
            conversation_id="person-a",
            channel="rest",
            category="passive_ideation",
            severity="low",
            spans=[{"text": "my secret", "start": 0, "end": 9}],
        )
    erased = erase_person("person-a")
    assert (erased.events, erased.usage_rows, erased.escalations_redacted) == (1, 1, 1)
    assert senders(steady_env.database_url) == {"person-b"}
    with session_scope() as session:
        assert [row.pseudonym for row in session.query(UsageEvent)] == [pseudonymise("person-b")]
        escalation = session.query(Escalation).one()
        assert escalation.spans == [] and not escalation.conversation_id.startswith("person-a")
