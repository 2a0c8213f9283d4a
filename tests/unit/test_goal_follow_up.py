"""The small goal's follow-up: remembered on completion, asked on a hello in a later session, once."""

from __future__ import annotations

import json
import time
from typing import Any

from actions.conversation import ActionGreet
from actions.exercise import ActionFinishExercise, ActionStartExercise
from bot.exercises import Engine, RunState, load_exercises
from tests.support.trackers import message, run_action, slot_events, tracker
from tests.unit.test_exercise_actions import answer, start, usage_rows

PLAN = {"goal": "a 10-minute walk", "when": "tomorrow after lunch"}


def pending(set_at: float) -> dict[str, Any]:
    return {"exercise": "goal_review", "answers": PLAN, "from_run": "run-1", "set_at": set_at}


def session_start(at: float) -> list[dict[str, Any]]:
    return [{"event": "action", "name": "action_session_start", "timestamp": at},
            {"event": "session_started", "timestamp": at}]  # fmt: skip


def greet(slots: dict[str, Any], earlier: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict]]:
    events, dispatcher = run_action(ActionGreet(), tracker(message("hi", "greet"), slots, earlier=earlier))
    return slot_events(events), dispatcher.messages


def test_finishing_a_small_goal_keeps_the_plan_for_a_follow_up(steady_env: Any) -> None:
    slots = start("small_goal", steady_env)
    for text in ["4", "people", "send my sister a message", "saturday morning", "i'll forget", "set an alarm", "7"]:
        slots, _ = answer(slots, text)
    assert slots["exercise_status"] == "running"  # the after-rating is still to come
    slots, _ = answer(slots, "3")
    assert slots["exercise_status"] == "completed"
    events, dispatcher = run_action(ActionFinishExercise(), tracker(message("3", "inform_rating"), slots))
    saved = slot_events(events)["pending_follow_up"]
    assert saved["exercise"] == "goal_review" and saved["from_run"] == slots["exercise_run"]
    assert saved["answers"]["goal"] == "send my sister a message" and saved["answers"]["when"] == "saturday morning"
    assert time.time() - saved["set_at"] < 60


def test_a_hello_in_a_later_session_asks_how_the_goal_went_quoting_it(steady_env: Any) -> None:
    now = time.time()
    slots, messages = greet({"introduced": True, "pending_follow_up": pending(now - 86_400)}, session_start(now - 5))
    assert slots["exercise"] == "goal_review" and slots["exercise_status"] == "running"
    assert slots["pending_follow_up"] is None  # asked once, whatever happens next
    assert "a 10-minute walk" in messages[-1]["text"] and "tomorrow after lunch" in messages[-1]["text"]
    assert [(row.kind, row.exercise) for row in usage_rows()] == [("start", "goal_review")]


def test_a_hello_in_the_same_session_just_checks_in(steady_env: Any) -> None:
    now = time.time()
    slots, messages = greet({"introduced": True, "pending_follow_up": pending(now)}, session_start(now - 600))
    assert "exercise" not in slots and "pending_follow_up" not in slots
    assert messages[-1]["response"] == "utter_ask_checkin"


def test_no_goal_talk_while_the_conversation_is_flagged_for_risk(steady_env: Any) -> None:
    now = time.time()
    flagged = {"introduced": True, "risk_flag": True, "pending_follow_up": pending(now - 86_400)}
    slots, messages = greet(flagged, session_start(now))
    assert "exercise" not in slots and "pending_follow_up" not in slots  # kept for a calmer visit
    assert messages[-1]["response"] == "utter_ask_checkin"


def test_the_follow_up_has_no_ratings_and_each_outcome_gets_its_own_reply(steady_env: Any) -> None:
    engine = Engine(load_exercises()["goal_review"])
    assert [step.id for step in engine.steps] == ["outcome", "learned"]
    state = RunState("goal_review", "run-x", answers=dict(PLAN))
    assert "a 10-minute walk" in engine.intro(state)
    asked = engine.prompt(state)[-1]
    assert [button["payload"] for button in asked["buttons"]] == ["done", "partly", "not_yet", "changed"]
    outcome = engine.answer(state, "not yet")
    assert "not that you failed" in outcome.messages[0]["text"]
    assert [(log.kind, log.step, log.choice) for log in outcome.logs] == [("step", "outcome", "not_yet")]
    finished = engine.answer(state, "i was too tired")
    assert finished.finished and "small goal" in engine.closing(state)


def test_the_outcome_is_logged_with_the_choice(steady_env: Any) -> None:
    now = time.time()
    slots, _ = greet({"introduced": True, "pending_follow_up": pending(now - 86_400)}, session_start(now))
    slots, messages = answer(slots, "I did it")
    assert "confidence grows" in messages[0]["text"]
    logged = [(row.kind, row.step, row.choice) for row in usage_rows() if row.kind == "step"]
    assert logged == [("step", "outcome", "done")]


def test_finishing_the_follow_up_offers_a_new_small_goal_first(steady_env: Any) -> None:
    now = time.time()
    slots, _ = greet({"introduced": True, "pending_follow_up": pending(now - 86_400)}, session_start(now))
    slots, _ = answer(slots, "partly")
    slots, _ = answer(slots, "skip")
    assert slots["exercise_status"] == "completed"
    events, dispatcher = run_action(ActionFinishExercise(), tracker(message("skip", "skip"), slots))
    assert "pending_follow_up" not in slot_events(events)  # a follow-up has no follow-up of its own
    assert dispatcher.messages[-1]["buttons"][0]["title"] == load_exercises()["small_goal"].title
    assert [row.kind for row in usage_rows()] == ["start", "step", "skip", "complete"]


def test_a_hidden_script_cannot_be_started_by_name_without_a_pending_follow_up(steady_env: Any) -> None:
    asked = message("/request_exercise", "request_exercise", entities=[{"entity": "exercise", "value": "goal_review"}])
    events, _ = run_action(ActionStartExercise(), tracker(asked))
    assert slot_events(events)["exercise_status"] == "not_started"
    events, dispatcher = run_action(ActionStartExercise(), tracker(asked, {"pending_follow_up": pending(time.time())}))
    slots = slot_events(events)
    assert slots["exercise"] == "goal_review" and slots["pending_follow_up"] is None
    assert json.dumps(PLAN["goal"])[1:-1] in dispatcher.messages[-1]["text"]
