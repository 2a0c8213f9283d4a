"""Erasing a person's data on request ("forget me").

Removes the conversation from Rasa's tracker store, the person's check-in reminders and usage rows.
Escalation records are kept for safeguarding (see README, "Data and safeguarding"), with the matched
words and screener answers removed: only that an escalation happened, when, its severity and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from bot.db import Escalation, Reminder, UsageEvent, session_scope
from bot.pseudonym import pseudonymise


@dataclass(frozen=True)
class Erased:
    events: int
    usage_rows: int
    escalations_redacted: int


def delete_conversation(session: Session, sender_id: str) -> int:
    """Delete one sender's events from Rasa's tracker store and their check-in reminders, and redact
    their escalation records (kept for safeguarding without the matched words or screener answers);
    returns events deleted."""
    deleted = 0
    if inspect(session.get_bind()).has_table("events"):
        result = session.execute(text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id})
        deleted = result.rowcount or 0
    session.query(Reminder).filter(Reminder.sender_id == sender_id).delete(synchronize_session=False)
    for escalation in session.query(Escalation).filter(Escalation.pseudonym == pseudonymise(sender_id)):
        escalation.spans, escalation.cssrs = [], {}
    return deleted


def erase_person(sender_id: str) -> Erased:
    """Delete the conversation and usage rows of one sender; redact their escalation records."""
    pseudonym = pseudonymise(sender_id)
    with session_scope() as session:
        escalations = session.query(Escalation).filter(Escalation.pseudonym == pseudonym).all()
        events = delete_conversation(session, sender_id)
        usage = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonym).delete()
        for escalation in escalations:
            escalation.conversation_id = f"erased:{pseudonym}"
        return Erased(events, usage, len(escalations))
