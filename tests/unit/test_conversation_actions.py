"""Session start, greeting and starting over, with real Trackers."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionGreet, ActionSessionStart, ActionStartOver
from bot.db import UsageEvent, session_scope
from bot.escalation.records import record_risk
from tests.unit.trackers import DOMAIN, message, slot_events, tracker


def run(action: Any, tracker_: Any) -> tuple[list[dict], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    return asyncio.run(action.run(dispatcher, tracker_, DOMAIN)), dispatcher


def test_session_start_uses_the_language_guess_only_until_the_person_says_where_they_are(steady_env: Any) -> None:
    guess = {"session_started_metadata": {"channel": "telegram", "country_guess": "gb"}}
    events, _ = run(ActionSessionStart(), tracker(message("", "session_start"), guess))
    assert events[0]["event"] == "session_started" and slot_events(events)["country"] == "GB"
    told = {**guess, "country": "IE"}
    events, _ = run(ActionSessionStart(), tracker(message("", "session_start"), told))
    assert slot_events(events)["country"] == "IE"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")


def test_an_open_escalation_keeps_the_conversation_flagged_in_a_new_session(steady_env: Any) -> None:
    with session_scope() as session:
        record_risk(
            session,
            pseudonym="p",
            conversation_id="person-1",
            channel="rest",
            category="self_harm",
            severity="moderate",
            spans=[],
        )
    events, _ = run(ActionSessionStart(), tracker(message("", "session_start")))
    assert slot_events(events)["risk_flag"] is True


def test_greeting_introduces_steady_once_then_just_says_hello(steady_env: Any) -> None:
    events, dispatcher = run(ActionGreet(), tracker(message("hi", "greet")))
    assert [m["response"] for m in dispatcher.messages] == ["utter_intro", "utter_ask_checkin"]
    _, dispatcher = run(ActionGreet(), tracker(message("hi", "greet"), slot_events(events)))
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet_again", "utter_ask_checkin"]


def test_starting_over_ends_a_running_exercise_but_keeps_safety_state(steady_env: Any) -> None:
    slots = {"exercise": "grounding", "exercise_run": "run-9", "exercise_status": "running", "risk_flag": True}
    events, _ = run(ActionStartOver(), tracker(message("start over", "start_over"), slots))
    changed = slot_events(events)
    assert changed["exercise"] is None and "risk_flag" not in changed
    with session_scope() as session:
        row = session.query(UsageEvent).one()
        assert (row.kind, row.exercise, row.step) == ("abandon", "grounding", "start_over")
