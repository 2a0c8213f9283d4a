"""'How have I been doing?': built from the person's own usage rows, as text and chart data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

import actions.progress
from actions.progress import ActionShowProgress
from bot.db import UsageEvent, session_scope, utcnow
from bot.exercises import load_common, load_exercises
from bot.pseudonym import pseudonymise
from tests.support.trackers import message, run_action, tracker

ME = "person-1"


def run(person: str, exercise: str, before: float | None, after: float | None, days_ago: float = 1,
        completed: bool = True) -> None:  # fmt: skip
    when = utcnow() - timedelta(days=days_ago)
    run_id = f"{exercise}-{before}-{after}-{days_ago}"
    rows = [("start", None, None), ("rating", "before", before), ("rating", "after", after)]
    rows += [("complete", None, None)] if completed else [("abandon", None, None)]
    with session_scope() as session:
        for kind, phase, value in rows:
            if kind == "rating" and value is None:
                continue
            session.add(UsageEvent(pseudonym=pseudonymise(person), channel="rest", exercise=exercise, run_id=run_id,
                                   kind=kind, phase=phase, value=value, created_at=when))  # fmt: skip


def checkin(person: str, mood: str, rating: float | None = None, days_ago: float = 1) -> None:
    with session_scope() as session:
        session.add(UsageEvent(pseudonym=pseudonymise(person), channel="rest", kind="checkin", step=mood, value=rating,
                               created_at=utcnow() - timedelta(days=days_ago)))  # fmt: skip


def ask(slots: dict[str, Any] | None = None) -> dict[str, Any]:
    _, dispatcher = run_action(ActionShowProgress(), tracker(message("how have i been doing", "ask_progress"), slots))
    return dispatcher.messages[-1]


def title(exercise: str) -> str:
    return load_exercises()[exercise].title


def test_with_nothing_logged_it_says_so_and_draws_no_chart(steady_env: Any) -> None:
    reply = ask()
    assert reply["text"] in load_common().lines("progress", "empty")
    assert not reply.get("custom")


def test_runs_checkins_and_what_helped_most(steady_env: Any) -> None:
    run(ME, "breathing", 7, 4, days_ago=3)
    run(ME, "breathing", 6, 5, days_ago=2)
    run(ME, "grounding", 5, 6, days_ago=1)
    run(ME, "thought_record", 8, None, days_ago=1, completed=False)  # abandoned: not a finished run
    checkin(ME, "mood_anxious", days_ago=3)
    checkin(ME, "mood_anxious", days_ago=2)
    checkin(ME, "mood_low")
    reply = ask()
    text = reply["text"]
    assert "Check-ins: 3." in text and "anxious (2), low (1)" in text
    assert f"{title('breathing')}, 7 → 4" in text and f"{title('grounding')}, 5 → 6" in text
    assert title("thought_record") not in text
    assert f"{title('breathing')} (down 2.0 on average)" in text and f"{title('grounding')} (down" not in text
    chart = reply["custom"]
    assert chart["type"] == "progress_chart" and chart["fallback_text"] == text
    assert [(r["label"], r["before"], r["after"]) for r in chart["runs"]] == [
        (title("breathing"), 7, 4), (title("breathing"), 6, 5), (title("grounding"), 5, 6)]  # fmt: skip
    assert [c["mood"] for c in chart["checkins"]] == ["anxious", "anxious", "low"]
    assert reply["buttons"][0]["title"] == title("breathing")  # what helped comes first


def test_only_this_person_and_only_the_last_30_days(steady_env: Any) -> None:
    run("someone-else", "grounding", 9, 1)
    run(ME, "breathing", 7, 4, days_ago=45)
    checkin(ME, "mood_low", days_ago=40)
    reply = ask()
    assert reply["text"] in load_common().lines("progress", "empty")


def test_a_waiting_small_goal_is_mentioned_with_a_button_to_report_on_it(steady_env: Any) -> None:
    run(ME, "small_goal", 6, 4)
    pending = {"exercise": "goal_review", "answers": {"goal": "call Sam", "when": "friday"}, "set_at": 0}
    reply = ask({"pending_follow_up": pending})
    assert "“call Sam”" in reply["text"]
    assert reply["buttons"][0]["payload"] == '/request_exercise{"exercise": "goal_review"}'


def test_a_database_failure_gets_a_kind_message_not_a_crash(steady_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(actions.progress, "progress_for", broken)
    reply = ask()
    assert reply["text"] in load_common().lines("progress", "unavailable")
    assert reply["buttons"][-1]["payload"] == "/request_human"
