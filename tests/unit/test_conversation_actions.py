"""Session start, greeting and starting over, with real Trackers."""

from __future__ import annotations

from typing import Any

import pytest

from actions.conversation import ActionDefaultFallback, ActionGreet, ActionStartOver
from bot.db import UsageEvent, session_scope
from tests.support.trackers import message, run_action, slot_events, tracker


def test_the_language_guess_is_kept_as_a_guess_only_until_the_person_says_where_they_are(steady_env: Any) -> None:
    guess = {"session_started_metadata": {"channel": "telegram", "country_guess": "gb"}}
    events, _ = run_action(ActionGreet(), tracker(message("hi", "greet"), guess))
    assert slot_events(events)["country_guess"] == "GB" and "country" not in slot_events(events), "never silent"
    events, _ = run_action(ActionGreet(), tracker(message("hi", "greet"), {**guess, "country": "IE"}))
    assert "country" not in slot_events(events) and "country_guess" not in slot_events(events)


def test_greeting_introduces_steady_once_then_just_says_hello(steady_env: Any) -> None:
    events, dispatcher = run_action(ActionGreet(), tracker(message("hi", "greet")))
    assert [m["response"] for m in dispatcher.messages] == ["utter_intro", "utter_ask_checkin"]
    _, dispatcher = run_action(ActionGreet(), tracker(message("hi", "greet"), slot_events(events)))
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet_again", "utter_ask_checkin"]


def test_starting_over_ends_a_running_exercise_but_keeps_safety_state(steady_env: Any) -> None:
    slots = {"exercise": "grounding", "exercise_run": "run-9", "exercise_status": "running", "risk_flag": True}
    events, _ = run_action(ActionStartOver(), tracker(message("start over", "start_over"), slots))
    changed = slot_events(events)
    assert changed["exercise"] is None and "risk_flag" not in changed
    with session_scope() as session:
        row = session.query(UsageEvent).one()
        assert (row.kind, row.exercise, row.step) == ("abandon", "grounding", "start_over")


@pytest.mark.parametrize("form", ["exercise_form", "cssrs_form"])
def test_the_last_resort_brings_a_running_forms_question_back(form: str) -> None:
    unclear = message("hmm", "nlu_fallback", 0.2)
    events, dispatcher = run_action(ActionDefaultFallback(), tracker(unclear, active_loop=form))
    assert events == [{"event": "followup", "name": form, "timestamp": None}]
    assert not dispatcher.messages, "no menu over a question that is still open"


def test_the_last_resort_outside_a_form_is_rasas_own() -> None:
    events, dispatcher = run_action(ActionDefaultFallback(), tracker(message("hmm", "nlu_fallback", 0.2)))
    assert [message["response"] for message in dispatcher.messages] == ["utter_default"]
    assert [event["event"] for event in events] == ["rewind"]
