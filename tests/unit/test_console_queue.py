"""The queue's order and the escalation actions, on a private SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from bot.console import queue
from bot.db import Escalation, Takeover, get_engine, session_scope
from tests.support.console import accounts, backdate, open_escalation
from tests.support.steady_env import SteadyPaths


def test_active_escalations_are_most_severe_first_then_longest_waiting(steady_env: SteadyPaths) -> None:
    now = datetime(2025, 1, 1, 12, 0)
    made = {}
    for name, severity, minutes in (
        ("low-old", "low", 300),
        ("high-new", "high", 2),
        ("high-old", "high", 40),
        ("imminent", "imminent", 1),
        ("moderate", "moderate", 10),
    ):
        made[name] = open_escalation(name, severity)
        backdate(made[name], now - timedelta(minutes=minutes))
    resolved = open_escalation("done", "imminent")
    with session_scope() as session:
        session.get(Escalation, resolved).status = "resolved"
    order = [item.id for item in queue.active_escalations()]
    assert order == [made[name] for name in ("imminent", "high-old", "high-new", "moderate", "low-old")]


def test_acknowledged_escalations_stay_in_the_queue_until_resolved(steady_env: SteadyPaths) -> None:
    accounts(("sam", "counselor"))
    escalation_id = open_escalation("c-1")
    queue.acknowledge_escalation(escalation_id, "sam")
    [item] = queue.active_escalations()
    assert (item.status, item.assignee) == ("acknowledged", "sam")
    queue.resolve(escalation_id, "sam", "reached_person", "")
    assert queue.active_escalations() == []
    assert queue.get_escalation(escalation_id).outcome_label == "Reached the person"


def test_assigning_acknowledges_and_names_the_assignee(steady_env: SteadyPaths) -> None:
    accounts(("sam", "counselor"), ("cal", "counselor"))
    escalation_id = open_escalation("c-1")
    queue.assign(escalation_id, "sam", "cal")
    escalation = queue.get_escalation(escalation_id)
    assert (escalation.status, escalation.assignee) == ("acknowledged", "cal")
    with pytest.raises(queue.QueueError, match="not an active console account"):
        queue.assign(escalation_id, "sam", "ghost")


def test_imminent_risk_needs_a_note_and_the_note_is_kept_encrypted(steady_env: SteadyPaths) -> None:
    accounts(("sam", "counselor"))
    escalation_id = open_escalation("c-1", "imminent")
    with pytest.raises(queue.QueueError, match="write a note"):
        queue.resolve(escalation_id, "sam", "reached_person", "   ")
    assert queue.get_escalation(escalation_id).status == "open"
    queue.resolve(escalation_id, "sam", "reached_person", "Spoke with them; safety plan agreed.")
    assert [(note.kind, note.text) for note in queue.notes(escalation_id)] == [
        ("resolution", "Spoke with them; safety plan agreed.")
    ]
    with get_engine().connect() as connection:
        stored = connection.execute(text("SELECT text FROM escalation_notes")).scalar()
    assert "safety plan" not in stored
    with pytest.raises(queue.QueueError, match="already resolved"):
        queue.resolve(escalation_id, "sam", "reached_person", "again")


def test_resolving_during_a_takeover_is_refused(steady_env: SteadyPaths) -> None:
    accounts(("sam", "counselor"))
    escalation_id = open_escalation("c-1")
    with session_scope() as session:
        session.add(Takeover(escalation_id=escalation_id, counselor="sam"))
    with pytest.raises(queue.QueueError, match="hand the conversation back first"):
        queue.resolve(escalation_id, "sam", "person_left", "")


@pytest.mark.parametrize(
    ("outcome", "note", "message"),
    [
        ("", "", "Choose an outcome"),
        ("reached_person", "x" * (queue.MAX_NOTE_CHARS + 1), "at most 5000 characters"),
    ],
)
def test_bad_resolutions_are_explained(steady_env: SteadyPaths, outcome: str, note: str, message: str) -> None:
    escalation_id = open_escalation("c-1")
    with pytest.raises(queue.QueueError, match=message):
        queue.resolve(escalation_id, "sam", outcome, note)


def test_notes_need_words_and_an_existing_escalation(steady_env: SteadyPaths) -> None:
    with pytest.raises(queue.QueueError, match="no escalation #41"):
        queue.add_note(41, "sam", "hello")
    escalation_id = open_escalation("c-1")
    with pytest.raises(queue.QueueError, match="empty"):
        queue.add_note(escalation_id, "sam", " \n ")
