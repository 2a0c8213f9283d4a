"""Who may see and do what in the console (README, "Counselors": which role sees what).

- The queue (active escalations, no transcripts) and analytics (aggregates): every signed-in account.
- An escalation nobody is assigned to yet: every counselor may read it and act on it (acknowledging
  it makes them the assignee).
- Once assigned: only the assignee and supervisors read the transcript and act (notes, resolve,
  takeover, messages, hand back, reassign). A counselor covering for a colleague asks a supervisor
  to reassign it.
- Resolved escalations: supervisors only.
- Erasure, bulk close and the audit trail: supervisors only.
Every refusal is audited with its reason.
"""

from __future__ import annotations

from bot.console.auth import Counselor
from bot.console.queue import EscalationView

SUPERVISOR_ONLY_ACTIONS = frozenset({"erase"})


def refusal_to_view(who: Counselor, escalation: EscalationView) -> str | None:
    """Why `who` may not read this escalation's transcript, or None if they may."""
    if who.is_supervisor:
        return None
    if escalation.status == "resolved":
        return "Resolved escalations can be read by supervisors only."
    if escalation.assignee and escalation.assignee != who.username:
        return f"This escalation is assigned to {escalation.assignee}; they or a supervisor can reassign it."
    return None


def refusal_to_act(who: Counselor, escalation: EscalationView, action: str, assignee: str | None = None) -> str | None:
    """Why `who` may not do `action` on this escalation, or None if they may."""
    if action in SUPERVISOR_ONLY_ACTIONS and not who.is_supervisor:
        return "Only supervisors can do this."
    refused = refusal_to_view(who, escalation)
    if refused:
        return refused
    if action == "assign" and not who.is_supervisor and not escalation.assignee and assignee != who.username:
        return "You can take an unassigned escalation yourself; a supervisor assigns it to someone else."
    return None
