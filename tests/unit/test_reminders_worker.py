"""The reminder worker's pass against a stand-in of Rasa's API: send, skip, retry, never crash."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from bot.db import Reminder, session_scope
from bot.rasa_api import RasaRefused, RasaUnreachable
from bot.reminders.store import active_reminder, set_reminder
from bot.reminders.worker import CHECKIN_INTENT, ReminderSettings, last_message_at, run_once, skip_reason
from bot.run import Ports, free_port, parts

SET_AT = datetime(2026, 1, 10, 12, 0)
DUE = datetime(2026, 1, 10, 20, 30)  # 20:30 in London in winter
SETTINGS = ReminderSettings()


def stamp(at: datetime) -> float:
    return at.replace(tzinfo=timezone.utc).timestamp()


def tracker(paused: bool = False, loop: str | None = None, wrote_at: datetime | None = None) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    if wrote_at:
        events.append({"event": "user", "text": "hi", "timestamp": stamp(wrote_at), "metadata": {}})
    return {"paused": paused, "active_loop": {"name": loop} if loop else {}, "events": events}


class FakeRasa:
    """Answers like Rasa's HTTP API; records what the worker asked for."""

    def __init__(self, trackers: dict[str, dict[str, Any]] | None = None, failure: Exception | None = None) -> None:
        self.trackers = trackers or {}
        self.failure = failure
        self.triggered: list[tuple[str, str]] = []

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        if self.failure:
            raise self.failure
        return self.trackers.get(conversation_id, tracker())

    async def trigger_intent(self, conversation_id: str, intent: str, entities: Any = None) -> dict[str, Any]:
        self.triggered.append((conversation_id, intent))
        return {"tracker": {}}


def run(now: datetime, rasa: FakeRasa) -> Any:
    return asyncio.run(run_once(now, api=rasa, settings=SETTINGS))  # type: ignore[arg-type]


def test_a_due_reminder_triggers_the_checkin_and_moves_to_tomorrow(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa()
    assert not run(DUE - timedelta(minutes=1), rasa) and rasa.triggered == []
    figures = run(DUE + timedelta(seconds=20), rasa)
    assert (figures.sent, sum(figures.skipped.values())) == (1, 0)
    assert rasa.triggered == [("111", CHECKIN_INTENT)]
    assert active_reminder("111").next_due_at == DUE + timedelta(days=1)
    assert not run(DUE + timedelta(seconds=40), rasa), "sent once a day"


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (tracker(paused=True), "paused"),
        (tracker(loop="exercise_form"), "busy"),
        (tracker(loop="cssrs_form"), "busy"),
        (tracker(wrote_at=DUE - timedelta(minutes=10)), "recent"),
    ],
)
def test_a_busy_conversation_is_skipped_until_tomorrow(steady_env: Any, state: dict[str, Any], reason: str) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa({"111": state})
    figures = run(DUE + timedelta(seconds=20), rasa)
    assert figures.skipped == {reason: 1} and figures.sent == 0 and rasa.triggered == []
    assert active_reminder("111").next_due_at == DUE + timedelta(days=1)


def test_a_message_longer_ago_than_the_quiet_time_does_not_stop_the_checkin(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa({"111": tracker(wrote_at=DUE - timedelta(minutes=31))})
    assert run(DUE + timedelta(seconds=20), rasa).sent == 1


def test_a_reminder_more_than_two_hours_late_is_skipped_without_asking_rasa(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa(failure=AssertionError("Rasa should not be asked"))
    figures = run(DUE + timedelta(hours=2, minutes=1), rasa)
    assert figures.skipped == {"late": 1} and rasa.triggered == []
    assert active_reminder("111").next_due_at == DUE + timedelta(days=1)


def test_when_rasa_does_not_answer_the_reminders_wait_for_the_next_pass(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    set_reminder("222", "telegram", "20:30", "Europe/London", now=SET_AT)
    figures = run(DUE + timedelta(seconds=20), FakeRasa(failure=RasaUnreachable("ClientConnectorError")))
    assert (figures.waiting, figures.sent) == (2, 0)
    assert active_reminder("111").next_due_at == DUE, "still due: the next pass retries"
    rasa = FakeRasa()
    assert run(DUE + timedelta(minutes=1), rasa).sent == 2 and len(rasa.triggered) == 2


def test_a_refusal_leaves_only_that_reminder_waiting(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    figures = run(DUE + timedelta(seconds=20), FakeRasa(failure=RasaRefused(500, "boom")))
    assert figures.waiting == 1 and active_reminder("111").next_due_at == DUE


def test_checkins_the_worker_triggered_are_not_messages_from_the_person() -> None:
    wrote = DUE - timedelta(days=1)
    events = [
        {"event": "user", "timestamp": stamp(wrote), "metadata": {}},
        {"event": "bot", "timestamp": stamp(DUE)},
        {"event": "user", "timestamp": stamp(DUE), "metadata": {"is_external": True}},
    ]
    assert last_message_at({"events": events}) == wrote
    assert last_message_at({"events": []}) is None
    assert skip_reason({"events": events, "paused": False, "active_loop": {}}, DUE, SETTINGS) is None


def test_settings_come_from_the_environment_and_bad_ones_are_named() -> None:
    assert ReminderSettings.from_env({}) == ReminderSettings()
    settings = ReminderSettings.from_env({"STEADY_REMINDER_POLL_SECONDS": "30", "STEADY_REMINDER_QUIET_MINUTES": "45"})
    assert (settings.poll_seconds, settings.quiet_minutes, settings.max_late_minutes) == (30.0, 45.0, 120.0)
    with pytest.raises(ValueError, match="STEADY_REMINDER_MAX_LATE_MINUTES"):
        ReminderSettings.from_env({"STEADY_REMINDER_MAX_LATE_MINUTES": "soon"})
    with pytest.raises(ValueError, match="STEADY_REMINDER_POLL_SECONDS"):
        ReminderSettings.from_env({"STEADY_REMINDER_POLL_SECONDS": "0"})


def test_the_worker_process_keeps_going_without_rasa_and_stops_on_sigterm(steady_env: Any, tmp_path: Path) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for sender, due in (("111", now - timedelta(hours=3)), ("222", now - timedelta(minutes=1))):
        set_reminder(sender, "telegram", "20:30", "Europe/London", now=SET_AT)
        with session_scope() as session:  # 111 is too late (skipped), 222 needs Rasa, which is not there
            session.query(Reminder).filter(Reminder.sender_id == sender).update({"next_due_at": due})
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "STEADY_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "STEADY_RASA_API_TOKEN": "test-token",
        "STEADY_REMINDER_POLL_SECONDS": "0.2",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "bot.reminders.worker"], cwd=REPO_ROOT, env=env, stdout=log_file, stderr=log_file
        )
        try:
            deadline = time.monotonic() + 60
            while "wait for the next pass" not in log_path.read_text() and time.monotonic() < deadline:
                assert worker.poll() is None, log_path.read_text()
                time.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
    log = log_path.read_text()
    assert "1 late" in log and "Rasa is not answering" in log and "reminder worker stopped" in log
    assert "test-token" not in log and "222" not in log.replace("2026", "")
    assert active_reminder("222").next_due_at == now - timedelta(minutes=1), "still due"


def test_make_run_starts_the_worker_but_the_terminal_shell_does_not() -> None:
    assert "reminder worker" in [part.name for part in parts(Ports())]
    assert "reminder worker" not in [part.name for part in parts(Ports(), shell=True)]
