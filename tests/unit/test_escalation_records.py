"""Escalation records: written before any notification, one per conversation, alerts only when needed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Escalation, NotificationAttempt, session_scope
from bot.escalation import acknowledge, open_escalation_for, record_risk, update_cssrs
from bot.escalation.schedule import cancel_pending, queue_notifications
from tests.support.escalations import attempts, open_escalation, risk
from tests.support.steady_env import SteadyPaths, isolate_steady, write_oncall

ONCALL = {
    "primary": [
        {"name": "Ana", "email": "ana@example.org", "webhook_url": "https://hooks.example.org/a"},
        {"name": "Ben", "webhook_url": "https://hooks.example.org/b"},
    ],
    "backup": [{"name": "Cleo", "webhook_url": "https://hooks.example.org/c"}],
    "smtp": {"host": "mail.example.org", "from": "steady@example.org"},
}


@pytest.fixture
def steady(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SteadyPaths:
    paths = isolate_steady(monkeypatch, tmp_path)
    write_oncall(paths.oncall_file, ONCALL)
    return paths


def test_a_new_escalation_queues_one_attempt_per_primary_transport(steady: SteadyPaths) -> None:
    with session_scope() as session:
        escalation, created = record_risk(session, **risk(cssrs={"q1": True}))
        escalation_id = escalation.id
    assert created
    with session_scope() as session:
        stored = session.get(Escalation, escalation_id)
        assert (stored.status, stored.severity, stored.risk_count) == ("open", "high", 1)
        assert stored.cssrs == {"q1": True}
        assert stored.spans == [{"start": 0, "end": 4, "text": "span words"}]
    queued = [(a.contact, a.transport, a.tier, a.reason, a.status) for a in attempts(escalation_id)]
    assert queued == [
        ("Ana", "email", "primary", "new", "pending"),
        ("Ana", "webhook", "primary", "new", "pending"),
        ("Ben", "webhook", "primary", "new", "pending"),
    ]


def test_repeated_risk_updates_the_escalation_without_new_alerts(steady: SteadyPaths) -> None:
    first_id = open_escalation(severity="moderate")
    with session_scope() as session:
        again, created = record_risk(session, **risk("low", spans=[{"start": 3, "end": 9, "text": "more words"}]))
        assert not created and again.id == first_id
        assert again.risk_count == 2
        assert again.severity == "moderate"
        assert [span["text"] for span in again.spans] == ["span words", "more words"]
    assert len(attempts(first_id)) == 3


def test_a_different_conversation_gets_its_own_escalation(steady: SteadyPaths) -> None:
    with session_scope() as session:
        first, _ = record_risk(session, **risk(conversation="conv-1"))
        second, created = record_risk(session, **risk(conversation="conv-2"))
        assert created and second.id != first.id


@pytest.mark.parametrize(
    ("before", "after", "alerts"),
    [
        ("low", "moderate", 0),
        ("moderate", "high", 1),
        ("high", "imminent", 1),
        ("low", "imminent", 1),
        ("imminent", "high", 0),
        ("high", "high", 0),
    ],
)
def test_only_a_rise_to_high_or_imminent_alerts_again(
    steady: SteadyPaths, before: str, after: str, alerts: int
) -> None:
    escalation_id = open_escalation(severity=before)
    with session_scope() as session:
        updated, _ = record_risk(session, **risk(after, category="self_harm"))
        expected = after if SEVERITY_ORDER.index(after) > SEVERITY_ORDER.index(before) else before
        assert updated.severity == expected
    raised = [a for a in attempts(escalation_id) if a.reason == "severity_raised"]
    assert len(raised) == 3 * alerts
    assert all(a.tier == "primary" and a.status == "pending" for a in raised)


SEVERITY_ORDER = ["low", "moderate", "high", "imminent"]


def test_cssrs_answers_are_merged_and_can_raise_severity(steady: SteadyPaths) -> None:
    escalation_id = open_escalation(severity="moderate", cssrs={"q1": True})
    with session_scope() as session:
        updated = update_cssrs(session, "conv-1", {"q2": True, "q6": False}, "imminent")
        assert updated is not None and updated.id == escalation_id
        assert updated.cssrs == {"q1": True, "q2": True, "q6": False}
        assert updated.severity == "imminent"
    reasons = [a.reason for a in attempts(escalation_id)]
    assert reasons.count("severity_raised") == 3


def test_cssrs_without_an_active_escalation_returns_none(steady: SteadyPaths, caplog: pytest.LogCaptureFixture) -> None:
    with session_scope() as session, caplog.at_level(logging.WARNING):
        assert update_cssrs(session, "nobody", {"q1": True}, "high") is None
    assert "without an active escalation" in caplog.text


def test_acknowledging_cancels_pending_attempts_and_keeps_the_first_counselor(
    steady: SteadyPaths,
) -> None:
    escalation_id = open_escalation()
    with session_scope() as session:
        acknowledged = acknowledge(session, escalation_id, "counselor-7")
        assert acknowledged.status == "acknowledged"
        assert acknowledged.assignee == "counselor-7"
        assert acknowledged.acknowledged_at is not None
    assert {a.status for a in attempts(escalation_id)} == {"cancelled"}
    with session_scope() as session:
        assert acknowledge(session, escalation_id, "counselor-9").assignee == "counselor-7"


def test_an_acknowledged_escalation_still_takes_new_risk_and_alerts_on_a_rise(
    steady: SteadyPaths,
) -> None:
    escalation_id = open_escalation(severity="high")
    with session_scope() as session:
        acknowledge(session, escalation_id, "counselor-7")
    with session_scope() as session:
        updated, created = record_risk(session, **risk("imminent"))
        assert not created and updated.id == escalation_id
        assert updated.status == "acknowledged"
    pending = [a for a in attempts(escalation_id) if a.status == "pending"]
    assert {a.reason for a in pending} == {"severity_raised"} and len(pending) == 3


def test_acknowledge_rejects_unknown_and_resolved_escalations(steady: SteadyPaths) -> None:
    with session_scope() as session:
        with pytest.raises(LookupError, match="no escalation with id 999"):
            acknowledge(session, 999, "counselor-7")
        escalation, _ = record_risk(session, **risk())
        escalation.status = "resolved"
        with pytest.raises(ValueError, match="already resolved"):
            acknowledge(session, escalation.id, "counselor-7")
        with pytest.raises(ValueError, match="counselor"):
            acknowledge(session, escalation.id, "  ")


def test_a_resolved_escalation_is_not_reused(steady: SteadyPaths) -> None:
    old_id = open_escalation()
    with session_scope() as session:
        session.get(Escalation, old_id).status = "resolved"
    with session_scope() as session:
        assert open_escalation_for(session, "conv-1") is None
        new, created = record_risk(session, **risk())
        assert created and new.id != old_id


def test_missing_oncall_file_still_records_the_escalation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_steady(monkeypatch, tmp_path)
    escalation_id = open_escalation()
    with session_scope() as session:
        assert session.get(Escalation, escalation_id).status == "open"
    assert attempts(escalation_id) == []


def test_invalid_oncall_file_still_records_the_escalation_and_logs_the_field(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = isolate_steady(monkeypatch, tmp_path)
    write_oncall(paths.oncall_file, {"primary": [{"name": "Ana", "email": "nope"}]})
    with caplog.at_level(logging.ERROR):
        escalation_id = open_escalation()
    assert attempts(escalation_id) == []
    assert "primary[0].email" in caplog.text


def test_bad_arguments_are_refused_before_anything_is_written(steady: SteadyPaths) -> None:
    with session_scope() as session:
        with pytest.raises(ValueError, match="unknown severity 'severe'"):
            record_risk(session, **risk("severe"))
        with pytest.raises(ValueError, match="spans"):
            record_risk(session, **risk(spans="words"))
        with pytest.raises(ValueError, match="conversation_id"):
            record_risk(session, **risk(conversation=""))
        with pytest.raises(ValueError, match="unknown escalation category 'suicidal_ideation'"):
            record_risk(session, **risk(category="suicidal_ideation"))  # not a category anything assigns
        assert session.execute(select(Escalation)).first() is None


def test_a_notification_needs_a_known_reason(steady: SteadyPaths) -> None:
    with session_scope() as session:
        escalation, _ = record_risk(session, **risk())
        with pytest.raises(ValueError, match="unknown notification reason 'nudge'"):
            queue_notifications(session, escalation, tier="primary", reason="nudge")


def test_cancel_pending_leaves_sent_attempts_alone(steady: SteadyPaths) -> None:
    escalation_id = open_escalation()
    with session_scope() as session:
        first = session.execute(select(NotificationAttempt)).scalars().first()
        first.status = "sent"
        session.flush()
        assert cancel_pending(session, escalation_id) == 2
    assert sorted(a.status for a in attempts(escalation_id)) == ["cancelled", "cancelled", "sent"]
