"""Escalation records: every change of an escalation's state, from the moment risk is detected.

    open (record_risk, update_cssrs: severity only ever rises)
      -> acknowledged (acknowledge, assign, prepare_takeover; pending notifications cancelled)
      -> resolved (resolve, close_flood), with an outcome
    taken over by a counselor meanwhile (begin_takeover ... end_takeover); notes (add_note);
    redacted when the person's data is erased or expires (redact)

Outbox pattern: these functions only add and change rows in the caller's session (the caller
commits). Each queued message is a pending NotificationAttempt (schedule.py); the worker
(`python -m bot.escalation.worker`) sends them. So a broken transport or a missing on-call file
never loses the record of an escalation. A change the state does not allow raises Refused.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import encrypt_text
from bot.db import Escalation, EscalationNote, Takeover, utcnow
from bot.escalation.schedule import ALERTING_SEVERITIES, NEW, SEVERITY_RAISED, cancel_pending, queue_notifications
from bot.pseudonym import pseudonymise
from bot.risk.model import CATEGORIES, MODEL_CATEGORY, severity_rank

log = logging.getLogger(__name__)

# What an escalation is about: a category of the risk detector (MODEL_CATEGORY when only a model saw
# it), or why it was opened without one. record_risk refuses anything else.
SCREENER = "screener"  # screener answers, when no open escalation could take them
ASKED_FOR_PERSON = "asked_for_person"  # the person asked to talk to someone
ESCALATION_CATEGORIES = (*CATEGORIES, MODEL_CATEGORY, SCREENER, ASKED_FOR_PERSON)
ACTIVE_STATUSES = ("open", "acknowledged")
ERASED_PREFIX = "erased:"  # the conversation id of a redacted escalation: this, then the pseudonym
ERASED_NOTE = "[Note erased with the person's data.]"


class Refused(ValueError):
    """A change the escalation's state does not allow; the message says why, in a counselor's words."""


def open_escalation_for(session: Session, conversation_id: str) -> Escalation | None:
    """The conversation's newest escalation that is still open or acknowledged (found by pseudonym:
    the conversation id itself is stored encrypted)."""
    query = (
        select(Escalation)
        .where(Escalation.pseudonym == pseudonymise(conversation_id))
        .where(Escalation.status.in_(ACTIVE_STATUSES))
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def record_risk(
    session: Session,
    *,
    pseudonym: str | None = None,
    conversation_id: str,
    channel: str,
    category: str,
    severity: str,
    spans: list[dict],
    cssrs: dict | None = None,
) -> tuple[Escalation, bool]:
    """Record detected risk; returns (escalation, created).

    A conversation with an open or acknowledged escalation gets that escalation updated and no
    new alert, unless the severity rises to high or imminent (one primary alert,
    reason "severity_raised"). Otherwise a new escalation is created and one notification per
    primary contact transport is queued (reason "new").

    The stored pseudonym is always the keyed hash of conversation_id (it is how the record is found
    again: the conversation id itself is stored encrypted); a `pseudonym` argument is not used.
    ValueError for an unknown severity or category (ESCALATION_CATEGORIES), or malformed text or spans.
    """
    del pseudonym
    severity_rank(severity)
    _check_category(category)
    _check_text(conversation_id=(conversation_id, 255), channel=(channel, 32))
    _check_spans(spans)
    existing = open_escalation_for(session, conversation_id)
    if existing is not None:
        existing.risk_count = (existing.risk_count or 0) + 1
        existing.spans = [*(existing.spans or []), *spans]
        if cssrs:
            existing.cssrs = {**(existing.cssrs or {}), **cssrs}
        _apply_severity(session, existing, severity, category)
        session.flush()
        return existing, False
    now = utcnow()
    escalation = Escalation(
        pseudonym=pseudonymise(conversation_id),
        conversation_id=conversation_id,
        channel=channel,
        category=category,
        severity=severity,
        spans=list(spans),
        cssrs=dict(cssrs or {}),
        status="open",
        risk_count=1,
        created_at=now,
        updated_at=now,
    )
    session.add(escalation)
    session.flush()
    queue_notifications(session, escalation, tier="primary", reason=NEW)
    log.info("escalation %s opened (severity %s, category %s)", escalation.id, severity, category)
    return escalation, True


def update_cssrs(
    session: Session, conversation_id: str, answers: dict, severity: str
) -> Escalation | None:
    """Store screener answers on the conversation's active escalation and raise its severity.

    Returns None (and logs a warning) when the conversation has no open or acknowledged
    escalation; the caller should then call record_risk.
    """
    severity_rank(severity)
    if not isinstance(answers, dict):
        raise ValueError(f"answers must be a dict, got {type(answers).__name__}")
    escalation = open_escalation_for(session, conversation_id)
    if escalation is None:
        log.warning("C-SSRS answers for a conversation without an active escalation; not stored")
        return None
    escalation.cssrs = {**(escalation.cssrs or {}), **answers}
    _apply_severity(session, escalation, severity, category=None)
    session.flush()
    return escalation


def acknowledge(session: Session, escalation_id: int, counselor: str) -> Escalation:
    """A counselor takes the escalation: the notification chain stops (pending attempts cancelled).

    Acknowledging again keeps the first counselor as assignee. LookupError for an unknown id,
    ValueError for a resolved escalation or an empty counselor name.
    """
    _check_text(counselor=(counselor, 64))
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise LookupError(f"no escalation with id {escalation_id}")
    if escalation.status == "resolved":
        raise ValueError(f"escalation {escalation_id} is already resolved")
    now = utcnow()
    if escalation.status == "open":
        escalation.status = "acknowledged"
        escalation.assignee = counselor
        escalation.acknowledged_at = now
        escalation.updated_at = now
    cancelled = cancel_pending(session, escalation_id)
    session.flush()
    log.info("escalation %s acknowledged; %d pending notification(s) cancelled",
             escalation_id, cancelled)
    return escalation


def changeable(session: Session, escalation_id: int, *, resolved_too: bool = False) -> Escalation:
    """The escalation a counselor is about to change; Refused if there is none, or if it is resolved
    (unless `resolved_too`)."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise Refused(f"There is no escalation #{escalation_id}.")
    if escalation.status == "resolved" and not resolved_too:
        raise Refused(f"Escalation #{escalation_id} is already resolved.")
    return escalation


def assign(session: Session, escalation_id: int, actor: str, assignee: str) -> None:
    """Give the escalation to a counselor (acknowledged by `actor` first if nobody has)."""
    escalation = changeable(session, escalation_id)
    acknowledge(session, escalation_id, actor)
    escalation.assignee = assignee
    escalation.updated_at = utcnow()


def add_note(session: Session, escalation_id: int, author: str, text: str, kind: str = "note") -> None:
    """A counselor's note ("note", or "resolution" when resolving), encrypted: it can hold the person's words."""
    changeable(session, escalation_id, resolved_too=True)
    session.add(EscalationNote(escalation_id=escalation_id, author=author, kind=kind, text=encrypt_text(text)))


def resolve(session: Session, escalation_id: int, actor: str, outcome: str, note: str) -> None:
    """Close the escalation with an outcome (and the note, if any). Refused while a counselor is
    talking to the person, and for imminent risk without a note saying what was done."""
    escalation = changeable(session, escalation_id)
    if escalation.severity == "imminent" and not note:
        raise Refused("This is an imminent-risk escalation: write a note saying what was done before resolving.")
    if open_takeovers(session, [escalation_id]):
        raise Refused("A counselor is still talking to this person: hand the conversation back first.")
    _close(session, escalation, actor, outcome, note)


def close_flood(session: Session, ids: list[int], actor: str, note: str) -> tuple[list[int], list[int]]:
    """Resolve every listed active escalation as "flood" with the same note; returns (closed, skipped):
    those resolved already or under a takeover are left alone."""
    closed: list[int] = []
    skipped: list[int] = []
    rows = session.execute(select(Escalation).where(Escalation.id.in_(ids))).scalars().all()
    taken = open_takeovers(session, [row.id for row in rows])
    for escalation in rows:
        if escalation.status == "resolved" or escalation.id in taken:
            skipped.append(escalation.id)
            continue
        _close(session, escalation, actor, "flood", note)
        closed.append(escalation.id)
    return sorted(closed), sorted(skipped)


def _close(session: Session, escalation: Escalation, actor: str, outcome: str, note: str) -> None:
    acknowledge(session, escalation.id, actor)
    escalation.status, escalation.outcome = "resolved", outcome
    escalation.resolved_at = escalation.updated_at = utcnow()
    if note:
        add_note(session, escalation.id, actor, note, kind="resolution")


def open_takeovers(session: Session, ids: list[int]) -> dict[int, str]:
    """Escalation id to counselor, for those of `ids` whose conversation a counselor has taken over."""
    query = select(Takeover.escalation_id, Takeover.counselor).where(Takeover.escalation_id.in_(ids))
    return dict(session.execute(query.where(Takeover.ended_at.is_(None))).all())


def prepare_takeover(session: Session, escalation_id: int, counselor: str) -> str:
    """Acknowledge an escalation a counselor is about to take over; returns its conversation id.
    Refused if it is resolved or its conversation was erased. The takeover begins (begin_takeover)
    once the assistant is paused."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or escalation.status == "resolved":
        raise Refused("Only an escalation that is not resolved can be taken over.")
    if is_erased(escalation.conversation_id):
        raise Refused("This person's conversation was erased at their request.")
    acknowledge(session, escalation_id, counselor)
    return escalation.conversation_id


def begin_takeover(session: Session, escalation_id: int, counselor: str) -> None:
    session.add(Takeover(escalation_id=escalation_id, counselor=counselor))


def end_takeover(session: Session, takeover_id: int) -> None:
    takeover = session.get(Takeover, takeover_id)
    if takeover is not None:
        takeover.ended_at = utcnow()


def count_repause(session: Session, takeover_id: int) -> None:
    """The assistant resumed during a takeover (a restart, a new session) and was paused again."""
    takeover = session.get(Takeover, takeover_id)
    takeover.repauses = (takeover.repauses or 0) + 1


def is_erased(conversation_id: str) -> bool:
    return conversation_id.startswith(ERASED_PREFIX)


def redact(session: Session, pseudonym: str) -> int:
    """A person's data was erased or expired: keep their escalations for safeguarding, without the
    matched words, screener answers, counselors' notes or the conversation id. Returns how many."""
    escalations = session.query(Escalation).filter(Escalation.pseudonym == pseudonym).all()
    for escalation in escalations:
        escalation.spans, escalation.cssrs = [], {}
        escalation.conversation_id = f"{ERASED_PREFIX}{pseudonym}"
    ids = [escalation.id for escalation in escalations]
    if ids:
        session.query(EscalationNote).filter(EscalationNote.escalation_id.in_(ids)).update(
            {EscalationNote.text: ERASED_NOTE}, synchronize_session=False
        )
    return len(escalations)


def _apply_severity(
    session: Session, escalation: Escalation, severity: str, category: str | None
) -> None:
    """Keep the highest severity; a rise to high or imminent queues one primary alert."""
    escalation.updated_at = utcnow()
    if severity_rank(severity) <= severity_rank(escalation.severity):
        return
    previous = escalation.severity
    escalation.severity = severity
    if category:
        escalation.category = category
    log.info("escalation %s severity raised from %s to %s", escalation.id, previous, severity)
    if severity in ALERTING_SEVERITIES:
        queue_notifications(session, escalation, tier="primary", reason=SEVERITY_RAISED)


def _check_category(category: str) -> None:
    if category not in ESCALATION_CATEGORIES:
        expected = ", ".join(ESCALATION_CATEGORIES)
        raise ValueError(f"unknown escalation category {category!r}; expected one of {expected}")


def _check_text(**values: tuple[str, int]) -> None:
    for name, (value, limit) in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be non-empty text")
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")


def _check_spans(spans: list[dict]) -> None:
    if not isinstance(spans, list) or not all(isinstance(span, dict) for span in spans):
        raise ValueError("spans must be a list of dicts")
