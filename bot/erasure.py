"""Erasing a person's data on request ("forget me").

Removes the conversation from Rasa's tracker store and the person's usage rows. Escalation
records are kept for safeguarding (see README, "Data and safeguarding"), with the matched words
and screener answers removed: only that an escalation happened, when, its severity and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text

from bot.db import Escalation, UsageEvent, session_scope
from bot.pseudonym import pseudonymise


@dataclass(frozen=True)
class Erased:
    events: int
    usage_rows: int
    escalations_redacted: int


def erase_person(sender_id: str) -> Erased:
    """Delete the conversation and usage rows of one sender; redact their escalation records."""
    pseudonym = pseudonymise(sender_id)
    with session_scope() as session:
        events = 0
        if inspect(session.get_bind()).has_table("events"):  # Rasa's tracker store table
            deleted = session.execute(text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id})
            events = deleted.rowcount or 0
        usage = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonym).delete()
        escalations = session.query(Escalation).filter(Escalation.conversation_id == sender_id).all()
        for escalation in escalations:
            escalation.spans, escalation.cssrs = [], {}
            escalation.conversation_id = f"erased:{pseudonym}"
        return Erased(events, usage, len(escalations))
