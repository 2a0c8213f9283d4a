"""The on-call file: valid files load, missing files disable notifications, bad files name the field."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.escalation.contacts import (
    Contact,
    OncallConfigError,
    RetryPolicy,
    load_oncall,
    parse_oncall,
)
from tests.support.steady_env import isolate_steady, write_oncall

EXAMPLE = Path(__file__).resolve().parents[2] / "bot" / "escalation" / "oncall.example.yml"


def minimal(**extra: object) -> dict:
    return {"primary": [{"name": "Ana", "webhook_url": "https://hooks.example.org/a"}], **extra}


def test_the_shipped_example_is_valid_and_complete() -> None:
    oncall = load_oncall(EXAMPLE)
    assert oncall is not None
    assert [c.name for c in oncall.primary] == ["Counselor on duty", "Team pager"]
    assert oncall.primary[0].transports() == ["telegram", "email"]
    assert [c.name for c in oncall.backup] == ["Clinical lead"]
    assert oncall.smtp is not None and oncall.smtp.password_env == "STEADY_SMTP_PASSWORD"
    assert oncall.telegram is not None
    assert oncall.telegram.token_env == "STEADY_NOTIFIER_BOT_TOKEN"


def test_defaults_fill_what_the_file_leaves_out() -> None:
    oncall = parse_oncall(minimal())
    assert oncall.backup == ()
    assert oncall.ack_timeout_minutes == 10
    assert oncall.poll_interval_seconds == 2
    assert oncall.retry == RetryPolicy(max_attempts=5, base_delay_seconds=30, max_delay_seconds=600)
    assert oncall.smtp is None and oncall.telegram is None


def test_a_contact_is_reached_on_every_address_it_lists() -> None:
    contact = Contact(name="Ana", telegram_chat_id=5, email="a@example.org", webhook_url="https://x.org/h")
    assert contact.transports() == ["telegram", "email", "webhook"]
    assert contact.address("email") == "a@example.org"


def test_numeric_chat_ids_given_as_text_become_numbers() -> None:
    data = minimal(telegram={"token_env": "BOT_TOKEN"})
    data["primary"][0]["telegram_chat_id"] = "-100123"
    assert parse_oncall(data).primary[0].telegram_chat_id == -100123


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_seconds=10, max_delay_seconds=45)
    delays = [policy.delay_after(failures) for failures in range(1, 5)]
    assert delays == [timedelta(seconds=s) for s in (10, 20, 40, 45)]


def test_missing_file_disables_notifications_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = isolate_steady(monkeypatch, tmp_path)
    with caplog.at_level(logging.WARNING, logger="bot.escalation.contacts"):
        assert load_oncall() is None
        assert load_oncall() is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert str(paths.oncall_file) in message
    assert "still recorded" in message
    assert "oncall.example.yml" in message and "STEADY_ONCALL_FILE" in message


@pytest.mark.parametrize(
    ("data", "field", "hint"),
    [
        ({}, "primary", "required"),
        ({"primary": []}, "primary", "at least one"),
        ({"primary": [{"email": "a@example.org"}]}, "primary[0].name", "required"),
        ({"primary": [{"name": "Ana"}]}, "primary[0]", "at least one of"),
        (minimal(backup=[{"name": "Bo", "email": "not-an-address"}]), "backup[0].email", "email"),
        ({"primary": [{"name": "Ana", "webhook_url": "ftp://x.org"}]}, "primary[0].webhook_url", "http"),
        (
            {
                "primary": [{"name": "Ana", "telegram_chat_id": "alice", "webhook_url": "https://x.org"}],
                "telegram": {"token_env": "T"},
            },
            "primary[0].telegram_chat_id",
            "chat id",
        ),
        ({"primary": [{"name": "Ana", "email": "a@example.org"}]}, "primary[0].email", "smtp"),
        ({"primary": [{"name": "Ana", "telegram_chat_id": 5}]}, "primary[0].telegram_chat_id", "telegram"),
        (minimal(backup=[{"name": "Ana", "webhook_url": "https://x.org"}]), "backup[0].name", "already used"),
        (minimal(ack_timeout_minutes="ten"), "ack_timeout_minutes", "number"),
        (minimal(ack_timeout_minutes=0), "ack_timeout_minutes", "at least"),
        (minimal(retry={"max_attempts": 0}), "retry.max_attempts", "between 1 and 100"),
        (minimal(retry={"max_attempts": 2.5}), "retry.max_attempts", "whole number"),
        (minimal(retry={"base_delay_seconds": 60, "max_delay_seconds": 10}), "retry.max_delay_seconds", "at least"),
        (minimal(smtp={"host": "mail.example.org"}), "smtp.from", "required"),
        (minimal(smtp={"host": "m.example.org", "from": "s@example.org", "port": 99999}), "smtp.port", "between"),
        (
            minimal(smtp={"host": "m.example.org", "from": "s@example.org", "starttls": "yes"}),
            "smtp.starttls",
            "true or false",
        ),
        (
            minimal(smtp={"host": "m.example.org", "from": "s@example.org", "username": "u"}),
            "smtp.password_env",
            "required",
        ),
        (
            minimal(smtp={"host": "m.example.org", "from": "s@example.org", "password": "hunter2"}),
            "smtp.password",
            "environment variable",
        ),
        (minimal(telegram={"token": "123:ABC"}), "telegram.token", "environment variable"),
        (minimal(telegram={}), "telegram.token_env", "required"),
        (minimal(telegram={"token_env": "MY-TOKEN"}), "telegram.token_env", "environment variable name"),
        (minimal(telegram={"token_env": "T", "base_url": "localhost:8081"}), "telegram.base_url", "http"),
        (minimal(webhooks={}), "webhooks", "unknown field"),
        (
            {"primary": [{"name": "Ana", "webhook_url": "https://x.org", "phone": "+1"}]},
            "primary[0].phone",
            "unknown field",
        ),
        (["primary"], "(file)", "mapping"),
        (None, "(file)", "empty"),
    ],
)
def test_invalid_files_name_the_field(data: object, field: str, hint: str) -> None:
    with pytest.raises(OncallConfigError) as caught:
        parse_oncall(data, source="oncall.yml")
    message = str(caught.value)
    assert message.startswith(f"oncall.yml: {field}: "), message
    assert hint in message


def test_a_secret_value_is_never_echoed_back() -> None:
    data = minimal(smtp={"host": "m.example.org", "from": "s@example.org", "password": "hunter2"})
    with pytest.raises(OncallConfigError) as caught:
        parse_oncall(data)
    assert "hunter2" not in str(caught.value)


def test_yaml_syntax_errors_give_the_line_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "oncall.yml"
    path.write_text("primary:\n  - name: Ana\n    email: [unclosed\n", encoding="utf-8")
    with pytest.raises(OncallConfigError) as caught:
        load_oncall(path)
    assert str(caught.value).startswith(f"{path}: not valid YAML at line")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_missing_secrets_are_listed_by_variable_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_oncall(
        tmp_path / "oncall.yml",
        minimal(
            telegram={"token_env": "STEADY_TEST_TOKEN"},
            webhook={"secret_env": "STEADY_TEST_HOOK_SECRET"},
        ),
    )
    monkeypatch.delenv("STEADY_TEST_TOKEN", raising=False)
    monkeypatch.setenv("STEADY_TEST_HOOK_SECRET", "s")
    oncall = load_oncall(path)
    assert oncall is not None
    problems = oncall.missing_secrets()
    assert len(problems) == 1
    assert "STEADY_TEST_TOKEN" in problems[0] and "telegram.token_env" in problems[0]
