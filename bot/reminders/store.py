"""Daily check-in reminders in the `reminders` table (bot.db.Reminder).

One active reminder per conversation: setting one again changes its time and zone. Stopping keeps
the row, inactive, with the reason: the person asked, or (stop_unanswered) the worker stopped it
after check-ins nobody answered. `unanswered` counts the check-ins delivered since the person last
wrote, as of the latest one. Every write computes the next UTC due time from the person's local
time, so a reminder follows their clock across daylight-saving changes. Times in the table are
naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Reminder, naive_utc, session_scope
from bot.reminders.schedule import next_due

STOPPED_BY_PERSON = "asked"
STOPPED_UNANSWERED = "unanswered"


@dataclass(frozen=True)
class ReminderView:
    """A reminder as plain values, usable after its database session has closed."""

    id: int
    sender_id: str
    channel: str
    local_time: str
    timezone: str
    next_due_at: datetime
    last_sent_at: datetime | None
    unanswered: int

    @classmethod
    def of(cls, row: Reminder) -> ReminderView:
        return cls(
            row.id,
            row.sender_id,
            row.channel,
            row.local_time,
            row.timezone,
            row.next_due_at,
            row.last_sent_at,
            row.unanswered or 0,
        )


def _active_row(session: Session, sender_id: str) -> Reminder | None:
    query = select(Reminder).where(Reminder.sender_id == sender_id, Reminder.active.is_(True)).order_by(Reminder.id)
    return session.scalars(query).first()


def _next_due_at(local_time: str, zone: str, now: datetime) -> datetime:
    return naive_utc(next_due(local_time, zone, now))


def set_reminder(
    sender_id: str, channel: str, local_time: str, zone: str, now: datetime | None = None
) -> ReminderView:
    """Turn on the daily check-in at local_time ("HH:MM") in zone, or move the one already on.

    The person has just written, so no check-in is unanswered any more.
    """
    now = naive_utc(now)
    due = _next_due_at(local_time, zone, now)
    with session_scope() as session:
        row = _active_row(session, sender_id)
        if row is None:
            row = Reminder(sender_id=sender_id, channel=channel, active=True, created_at=now)
            session.add(row)
        row.channel, row.local_time, row.timezone, row.next_due_at = channel, local_time, zone, due
        row.updated_at, row.unanswered = now, 0
        session.flush()
        return ReminderView.of(row)


def stop_reminders(sender_id: str, now: datetime | None = None) -> int:
    """Turn off every active reminder of a conversation; returns how many there were."""
    now = naive_utc(now)
    with session_scope() as session:
        rows = session.scalars(select(Reminder).where(Reminder.sender_id == sender_id, Reminder.active.is_(True)))
        stopped = 0
        for row in rows:
            _stop(row, now, STOPPED_BY_PERSON)
            stopped += 1
        return stopped


def stop_unanswered(reminder_id: int, unanswered: int, now: datetime | None = None) -> bool:
    """The worker stops a reminder whose last `unanswered` check-ins went unanswered; False if it
    was stopped or erased meanwhile."""
    now = naive_utc(now)
    with session_scope() as session:
        row = session.get(Reminder, reminder_id)
        if row is None or not row.active:
            return False
        _stop(row, now, STOPPED_UNANSWERED)
        row.unanswered = unanswered
        return True


def _stop(row: Reminder, now: datetime, reason: str) -> None:
    row.active, row.stopped_at, row.updated_at, row.stopped_reason = False, now, now, reason


def active_reminder(sender_id: str) -> ReminderView | None:
    with session_scope() as session:
        row = _active_row(session, sender_id)
        return ReminderView.of(row) if row else None


def due_reminders(now: datetime | None = None) -> list[ReminderView]:
    """Active reminders whose time has come, the longest waiting first."""
    now = naive_utc(now)
    query = (
        select(Reminder)
        .where(Reminder.active.is_(True), Reminder.next_due_at <= now)
        .order_by(Reminder.next_due_at, Reminder.id)
    )
    with session_scope() as session:
        return [ReminderView.of(row) for row in session.scalars(query)]


def _advance(reminder_id: int, now: datetime, sent: bool, unanswered: int = 0) -> bool:
    """Move an active reminder to its next day; False if it was stopped or erased meanwhile."""
    with session_scope() as session:
        row = session.get(Reminder, reminder_id)
        if row is None or not row.active:
            return False
        row.next_due_at = _next_due_at(row.local_time, row.timezone, now)
        if sent:
            row.last_sent_at, row.unanswered = now, unanswered
        else:
            row.last_skipped_at = now
        return True


def mark_sent(reminder_id: int, now: datetime | None = None, unanswered: int = 0) -> bool:
    """The check-in went out: the next one is due at the same local time tomorrow.

    `unanswered`: the check-ins delivered since the person last wrote, this one included.
    """
    return _advance(reminder_id, naive_utc(now), sent=True, unanswered=unanswered)


def mark_skipped(reminder_id: int, now: datetime | None = None) -> bool:
    """Today's check-in is not sent (a counselor is talking, too late, ...): try again tomorrow."""
    return _advance(reminder_id, naive_utc(now), sent=False)
