"""Reminders in the database (SQLite): one active per conversation, due times, erasure and retention."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.db import Reminder, session_scope
from bot.erasure import erase_person
from bot.reminders.store import (
    STOPPED_BY_PERSON,
    STOPPED_UNANSWERED,
    active_reminder,
    due_reminders,
    mark_sent,
    mark_skipped,
    set_reminder,
    stop_reminders,
    stop_unanswered,
)
from bot.retention import purge
from bot.tracker_store import SteadyTrackerStore

NOW = datetime(2026, 1, 10, 12, 0)  # naive UTC, as stored


def rows() -> list[tuple[str, str, str, bool]]:
    with session_scope() as session:
        return [
            (row.sender_id, row.local_time, row.timezone, row.active)
            for row in session.query(Reminder).order_by(Reminder.id)
        ]


def test_setting_a_reminder_stores_the_next_utc_due_time(steady_env: Any) -> None:
    reminder = set_reminder("111", "telegram", "20:30", "Europe/London", now=NOW)
    assert reminder.next_due_at == datetime(2026, 1, 10, 20, 30)
    assert (reminder.sender_id, reminder.channel, reminder.local_time) == ("111", "telegram", "20:30")
    assert active_reminder("111") == reminder and active_reminder("222") is None


def test_aware_times_are_stored_as_naive_utc(steady_env: Any) -> None:
    reminder = set_reminder("111", "telegram", "09:00", "Asia/Kolkata", now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert reminder.next_due_at == datetime(2026, 6, 1, 3, 30)


def test_setting_again_replaces_the_time_of_the_one_active_reminder(steady_env: Any) -> None:
    first = set_reminder("111", "telegram", "20:30", "Europe/London", now=NOW)
    second = set_reminder("111", "telegram", "08:00", "America/New_York", now=NOW)
    assert second.id == first.id
    assert rows() == [("111", "08:00", "America/New_York", True)]
    assert second.next_due_at == datetime(2026, 1, 10, 13, 0)  # 08:00 in New York is 13:00 UTC in winter


def test_stopping_turns_off_the_reminder_and_says_how_many(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=NOW)
    set_reminder("222", "telegram", "20:30", "Europe/London", now=NOW)
    assert stop_reminders("111", now=NOW) == 1
    assert stop_reminders("111", now=NOW) == 0
    assert active_reminder("111") is None and active_reminder("222") is not None
    assert rows() == [("111", "20:30", "Europe/London", False), ("222", "20:30", "Europe/London", True)]
    again = set_reminder("111", "telegram", "21:00", "Europe/London", now=NOW)
    assert active_reminder("111") == again and len(rows()) == 3


def test_due_reminders_are_the_active_ones_whose_time_has_come_oldest_first(steady_env: Any) -> None:
    late = set_reminder("111", "telegram", "12:30", "Europe/London", now=NOW)
    soon = set_reminder("222", "telegram", "12:45", "Europe/London", now=NOW)
    set_reminder("333", "telegram", "20:00", "Europe/London", now=NOW)
    stopped = set_reminder("444", "telegram", "12:30", "Europe/London", now=NOW)
    stop_reminders(stopped.sender_id)
    assert due_reminders(NOW) == []
    assert [r.id for r in due_reminders(datetime(2026, 1, 10, 12, 50))] == [late.id, soon.id]


def test_sent_and_skipped_reminders_move_to_the_next_day(steady_env: Any) -> None:
    sent = set_reminder("111", "telegram", "12:30", "Europe/London", now=NOW)
    skipped = set_reminder("222", "telegram", "12:30", "Europe/London", now=NOW)
    at = datetime(2026, 1, 10, 12, 31)
    assert mark_sent(sent.id, at) and mark_skipped(skipped.id, at)
    assert due_reminders(at) == []
    assert active_reminder("111").next_due_at == datetime(2026, 1, 11, 12, 30)
    with session_scope() as session:
        first, second = session.query(Reminder).order_by(Reminder.id)
        assert (first.last_sent_at, first.last_skipped_at) == (at, None)
        assert (second.last_sent_at, second.last_skipped_at) == (None, at)


def test_a_reminder_stopped_meanwhile_is_not_moved(steady_env: Any) -> None:
    reminder = set_reminder("111", "telegram", "12:30", "Europe/London", now=NOW)
    stop_reminders("111")
    assert not mark_sent(reminder.id, datetime(2026, 1, 10, 12, 31))
    assert not mark_skipped(12345, datetime(2026, 1, 10, 12, 31))


def stopping(sender: str) -> tuple[bool, str | None, int]:
    with session_scope() as session:
        row = session.query(Reminder).filter(Reminder.sender_id == sender).one()
        return row.active, row.stopped_reason, row.unanswered


def test_sending_records_the_unanswered_count_and_setting_again_clears_it(steady_env: Any) -> None:
    reminder = set_reminder("111", "telegram", "12:30", "Europe/London", now=NOW)
    assert (reminder.last_sent_at, reminder.unanswered) == (None, 0)
    at = datetime(2026, 1, 10, 12, 31)
    assert mark_sent(reminder.id, at, unanswered=3)
    assert (active_reminder("111").last_sent_at, active_reminder("111").unanswered) == (at, 3)
    assert mark_skipped(reminder.id, datetime(2026, 1, 11, 12, 31)) and active_reminder("111").unanswered == 3
    set_reminder("111", "telegram", "20:00", "Europe/London", now=NOW)
    assert active_reminder("111").unanswered == 0


def test_stopping_records_why(steady_env: Any) -> None:
    asked = set_reminder("111", "telegram", "12:30", "Europe/London", now=NOW)
    unanswered = set_reminder("222", "telegram", "12:30", "Europe/London", now=NOW)
    stop_reminders("111", now=NOW)
    assert stop_unanswered(unanswered.id, 7, now=NOW)
    assert stopping("111") == (False, STOPPED_BY_PERSON, 0)
    assert stopping("222") == (False, STOPPED_UNANSWERED, 7)
    assert active_reminder("222") is None
    assert not stop_unanswered(asked.id, 7) and not stop_unanswered(12345, 7), "already stopped, or erased"
    assert stopping("111") == (False, STOPPED_BY_PERSON, 0)


def conversation(sender: str, at: datetime) -> None:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered("hello", {"name": "greet", "confidence": 1.0}, timestamp=at.timestamp()))
    asyncio.run(SteadyTrackerStore(domain=Domain.empty()).save(tracker))


def test_erasure_removes_the_persons_reminders(steady_env: Any) -> None:
    conversation("111", datetime.now(timezone.utc))
    set_reminder("111", "telegram", "20:30", "Europe/London", now=NOW)
    stop_reminders("111")
    set_reminder("111", "telegram", "21:00", "Europe/London", now=NOW)
    set_reminder("222", "telegram", "20:30", "Europe/London", now=NOW)
    erase_person("111")
    assert [row[0] for row in rows()] == ["222"]


def test_retention_removes_the_reminders_of_purged_conversations(steady_env: Any) -> None:
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    conversation("old", now - timedelta(days=45))
    conversation("recent", now - timedelta(days=2))
    set_reminder("old", "telegram", "20:30", "Europe/London", now=NOW)
    set_reminder("recent", "telegram", "20:30", "Europe/London", now=NOW)
    assert purge(30, now=now) == ["old"]
    assert [row[0] for row in rows()] == ["recent"]
