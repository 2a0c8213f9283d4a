"""Erasing a person's data on request ("forget me").

Removes the conversation from Rasa's tracker store, the person's check-in reminders and usage rows.
Escalation records are kept for safeguarding (see README, "Data and safeguarding"), with the matched
words, screener answers and counselors' notes removed and the conversation id replaced: only that an
escalation happened, when, its severity and outcome. On SQLite the write-ahead log is checkpointed and
truncated afterwards, and secure_delete overwrites the freed pages (bot/db.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot import conversations
from bot.db import Reminder, UsageEvent, checkpoint, get_engine, session_scope
from bot.escalation import records
from bot.pseudonym import pseudonymise


@dataclass(frozen=True)
class Erased:
    events: int
    usage_rows: int
    escalations_redacted: int


def delete_conversation(session: Session, sender_id: str) -> tuple[int, int]:
    """Delete one sender's events from Rasa's tracker store and their check-in reminders, and redact
    their escalation records (kept for safeguarding without the matched words, screener answers,
    counselors' notes or the conversation id); returns (events deleted, escalations redacted)."""
    deleted = conversations.delete(session, sender_id)
    session.query(Reminder).filter(Reminder.sender_id == sender_id).delete(synchronize_session=False)
    redacted = records.redact(session, pseudonymise(sender_id))
    return deleted, redacted


def erase_person(sender_id: str) -> Erased:
    """Delete the conversation and usage rows of one sender; redact their escalation records."""
    pseudonym = pseudonymise(sender_id)
    with session_scope() as session:
        events, redacted = delete_conversation(session, sender_id)
        usage = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonym).delete()
    checkpoint(get_engine())
    return Erased(events, usage, redacted)
