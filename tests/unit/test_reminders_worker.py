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
from bot.reminders.store import STOPPED_UNANSWERED, active_reminder, set_reminder
from bot.reminders.worker import (
    CHECKIN_INTENT,
    LISTEN_ACTION,
    PAUSED_RESPONSE,
    ReminderSettings,
    last_message_at,
    run_once,
    skip_reason,
)
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
        self.execute_failure: Exception | None = None
        self.no_live_channel = False  # Rasa collects the check-in's messages instead of sending them
        self.triggered: list[tuple[str, str]] = []
        self.executed: list[tuple[str, str]] = []

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        if self.failure:
            raise self.failure
        return self.trackers.get(conversation_id, tracker())

    async def trigger_intent(self, conversation_id: str, intent: str, entities: Any = None) -> dict[str, Any]:
        self.triggered.append((conversation_id, intent))
        return {"tracker": {}, "messages": []} if self.no_live_channel else {"tracker": {}}

    async def execute(self, conversation_id: str, action: str) -> dict[str, Any]:
        if self.execute_failure:
            raise self.execute_failure
        self.executed.append((conversation_id, action))
        return {"tracker": {}}


def run(now: datetime, rasa: FakeRasa, settings: ReminderSettings = SETTINGS) -> Any:
    return asyncio.run(run_once(now, api=rasa, settings=settings))  # type: ignore[arg-type]


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


def day(number: int) -> datetime:
    """A moment just after the check-in of day `number` (day 0 is DUE) is due."""
    return DUE + timedelta(days=number, seconds=20)


def stop_reason(sender: str) -> tuple[bool, str | None, int]:
    with session_scope() as session:
        row = session.query(Reminder).filter(Reminder.sender_id == sender).one()
        return row.active, row.stopped_reason, row.unanswered


def test_after_seven_unanswered_checkins_the_reminder_stops_with_one_last_message(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa({"111": tracker(wrote_at=SET_AT)})  # the person last wrote when setting it up
    for number in range(7):
        assert run(day(number), rasa).sent == 1
    assert rasa.executed == [] and stop_reason("111") == (True, None, 7)
    figures = run(day(7), rasa)
    assert (figures.stopped, figures.sent) == (1, 0) and "1 stopped as unanswered" in figures.summary()
    assert len(rasa.triggered) == 7, "no eighth check-in"
    assert rasa.executed == [("111", PAUSED_RESPONSE), ("111", LISTEN_ACTION)]
    assert active_reminder("111") is None and stop_reason("111") == (False, STOPPED_UNANSWERED, 7)
    assert not run(day(8), rasa) and len(rasa.executed) == 2, "the last message is sent once"


def test_an_answer_in_between_starts_the_count_again(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa({"111": tracker(wrote_at=SET_AT)})
    for number in range(6):
        run(day(number), rasa)
    rasa.trackers["111"] = tracker(wrote_at=day(5) + timedelta(hours=1))  # answered the sixth check-in
    for number in range(6, 13):
        assert run(day(number), rasa).sent == 1, f"day {number}"
    assert stop_reason("111") == (True, None, 7) and rasa.executed == []
    assert run(day(13), rasa).stopped == 1 and active_reminder("111") is None


def test_skipped_days_do_not_count_as_unanswered(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    quiet = tracker(wrote_at=SET_AT)
    rasa = FakeRasa({"111": quiet})
    two = ReminderSettings(max_unanswered=2)
    assert run(day(0), rasa, two).sent == 1
    for number, state in ((1, tracker(paused=True, wrote_at=SET_AT)), (2, tracker(loop="exercise_form"))):
        rasa.trackers["111"] = state
        assert sum(run(day(number), rasa, two).skipped.values()) == 1
    rasa.trackers["111"] = quiet
    assert run(day(3) + timedelta(hours=3), rasa, two).skipped == {"late": 1}
    assert run(day(4), rasa, two).sent == 1, "one unanswered check-in so far, not four"
    assert stop_reason("111") == (True, None, 2)
    assert run(day(5), rasa, two).stopped == 1


def test_checkins_that_reached_nobody_are_not_counted(steady_env: Any) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa({"111": tracker(wrote_at=SET_AT)})
    two = ReminderSettings(max_unanswered=2)
    rasa.no_live_channel = True
    assert [run(day(number), rasa, two).undelivered for number in range(3)] == [1, 1, 1]
    rasa.no_live_channel = False
    assert run(day(3), rasa, two).sent == 1 and run(day(4), rasa, two).sent == 1
    assert run(day(5), rasa, two).stopped == 1


@pytest.mark.parametrize("failure", [RasaUnreachable("ClientConnectorError"), RasaRefused(500, "boom")])
def test_when_rasa_cannot_send_the_last_message_nothing_changes(steady_env: Any, failure: Exception) -> None:
    set_reminder("111", "telegram", "20:30", "Europe/London", now=SET_AT)
    rasa = FakeRasa({"111": tracker(wrote_at=SET_AT)})
    one = ReminderSettings(max_unanswered=1)
    run(day(0), rasa, one)
    rasa.execute_failure = failure
    assert run(day(1), rasa, one).waiting == 1
    assert active_reminder("111").next_due_at == DUE + timedelta(days=1), "still due: the next pass retries"
    rasa.execute_failure = None
    assert run(day(1) + timedelta(minutes=1), rasa, one).stopped == 1
    assert rasa.executed == [("111", PAUSED_RESPONSE), ("111", LISTEN_ACTION)]
    assert len(rasa.triggered) == 1 and stop_reason("111") == (False, STOPPED_UNANSWERED, 1)


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
    assert ReminderSettings.from_env({"STEADY_REMINDER_MAX_UNANSWERED": "3"}).max_unanswered == 3
    for bad in ("0", "2.5", "never"):
        with pytest.raises(ValueError, match="STEADY_REMINDER_MAX_UNANSWERED"):
            ReminderSettings.from_env({"STEADY_REMINDER_MAX_UNANSWERED": bad})


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
