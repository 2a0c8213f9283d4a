"""What an alert says: severity, category, id, link, why it was sent; nothing about the person."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from bot.db import naive_utc
from bot.escalation.transports import Alert


def alert(reason: str = "new", severity: str = "high") -> Alert:
    return Alert(
        escalation_id=41,
        severity=severity,
        category="self_harm",
        reason=reason,
        tier="primary",
        ack_timeout_minutes=7.5,
    )


def test_an_alert_is_built_from_non_identifying_fields_only() -> None:
    fields = {f.name for f in dataclasses.fields(Alert)}
    assert fields == {"escalation_id", "severity", "category", "reason", "tier", "ack_timeout_minutes", "count"}


def test_the_text_carries_id_severity_category_and_console_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEADY_CONSOLE_URL", "https://console.example.org/")
    text = alert().text()
    assert text.splitlines()[0] == "Steady escalation #41 - severity HIGH"
    assert "Category: self_harm" in text
    assert "https://console.example.org/escalations/41" in text
    assert "Acknowledge it there" in text
    assert alert().subject() == "[Steady] Escalation #41: high risk"


@pytest.mark.parametrize(
    ("reason", "headline"),
    [
        ("new", "Risk was detected in a conversation with Steady."),
        ("severity_raised", "Severity raised to IMMINENT on an open escalation."),
        ("unacknowledged", "Nobody acknowledged this escalation within 7.5 minutes. You are the backup contact."),
    ],
)
def test_the_headline_says_why_the_alert_was_sent(reason: str, headline: str) -> None:
    assert alert(reason, severity="imminent").headline() == headline


def test_the_webhook_payload_mirrors_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_CONSOLE_URL", "http://127.0.0.1:8080")
    payload = alert("unacknowledged").payload()
    assert payload == {
        "event": "steady.escalation",
        "escalation_id": 41,
        "severity": "high",
        "category": "self_harm",
        "reason": "unacknowledged",
        "tier": "primary",
        "url": "http://127.0.0.1:8080/escalations/41",
        "text": alert("unacknowledged").text(),
    }


def test_times_are_compared_as_naive_utc() -> None:
    aware = datetime(2025, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert naive_utc(aware) == datetime(2025, 1, 1, 10, 0)
    assert naive_utc(datetime(2025, 1, 1, 10, 0)) == datetime(2025, 1, 1, 10, 0)
    assert naive_utc(None).tzinfo is None
