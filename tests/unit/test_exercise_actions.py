"""Exercise actions with real rasa_sdk Trackers and CollectingDispatchers, on a private SQLite file."""

from __future__ import annotations

from typing import Any

from actions.conversation import ActionCheckin, ActionShowMenu
from actions.exercise import (
    ActionAskExerciseAnswer,
    ActionFinishExercise,
    ActionShowLastResult,
    ActionStartExercise,
    ValidateExerciseForm,
)
from bot.db import Escalation, UsageEvent, session_scope
from bot.exercises import fill, load_common, load_exercises, offered_exercises
from bot.pseudonym import pseudonymise
from tests.support.trackers import message, run_action, slot_events, tracker


def usage_rows() -> list[UsageEvent]:
    with session_scope() as session:
        rows = session.query(UsageEvent).order_by(UsageEvent.id).all()
        session.expunge_all()
    return rows


def start(exercise: str, steady_env: Any) -> dict[str, Any]:
    latest = message("lets do grounding", "request_exercise", entities=[{"entity": "exercise", "value": exercise}])
    events, dispatcher = run_action(ActionStartExercise(), tracker(latest, sender="person-1"))
    slots = slot_events(events)
    assert dispatcher.messages[-1]["text"] == load_exercises()[exercise].intro
    return slots


def answer(slots: dict[str, Any], text: str, intent: str = "nlu_fallback") -> tuple[dict[str, Any], list[dict]]:
    state = {**slots, "requested_slot": "exercise_answer", "exercise_answer": text}
    current = tracker(
        message(text, intent, 0.5), state, active_loop="exercise_form", extracted={"exercise_answer": text}
    )
    events, dispatcher = run_action(ValidateExerciseForm(), current)
    return {**slots, **slot_events(events)}, dispatcher.messages


def answer_each(slots: dict[str, Any], *texts: str) -> dict[str, Any]:
    """The slots after answering each of `texts` in turn."""
    for text in texts:
        slots, _ = answer(slots, text)
    return slots


def test_starting_a_named_exercise_sets_up_a_run_and_logs_the_start(steady_env: Any) -> None:
    slots = start("grounding", steady_env)
    assert slots["exercise"] == "grounding" and slots["exercise_status"] == "running"
    assert slots["exercise_step"] == 0 and slots["exercise_run"]
    rows = usage_rows()
    assert [(row.kind, row.exercise, row.channel) for row in rows] == [("start", "grounding", "rest")]
    assert rows[0].pseudonym == pseudonymise("person-1") and "person-1" not in rows[0].pseudonym


def test_asking_for_an_exercise_without_a_name_shows_the_menu(steady_env: Any) -> None:
    events, dispatcher = run_action(ActionStartExercise(), tracker(message("i need an exercise", "request_exercise")))
    assert slot_events(events)["exercise_status"] == "not_started"
    titles = [button["title"] for button in dispatcher.messages[-1]["buttons"]]
    assert titles[-2:] == ["More", "Talk to a person"] and len(titles) == 6, "a few suggestions, not a wall"
    assert load_exercises()["goal_review"].title not in titles  # a hidden follow-up is never offered
    assert usage_rows() == []


def test_the_form_asks_the_current_step_with_buttons(steady_env: Any) -> None:
    slots = start("breathing", steady_env)
    current = tracker(message("x", "nlu_fallback"), {**slots, "requested_slot": "exercise_answer"})
    _, dispatcher = run_action(ActionAskExerciseAnswer(), current)
    assert dispatcher.messages[-1]["text"] in load_common().lines("rating", "before")
    assert [button["payload"] for button in dispatcher.messages[-1]["buttons"]] == [str(n) for n in range(11)]


def test_a_whole_breathing_run_through_the_form_logs_every_step(steady_env: Any) -> None:
    slots = start("breathing", steady_env)
    for text in ["8", "box", "3", "ok done", "calmer"]:
        slots, _ = answer(slots, text)
        assert slots["exercise_status"] == "running" and slots["exercise_answer"] is None
    slots, _ = answer(slots, "6")
    assert slots["exercise_status"] == "completed"
    events, dispatcher = run_action(ActionFinishExercise(), tracker(message("6", "inform_rating"), slots))
    name = load_exercises()["breathing"].call_it
    better = {fill(line, before=8, after=6, exercise=name) for line in load_common().lines("closing", "better")}
    assert dispatcher.messages[0]["text"] in better
    assert slot_events(events)["exercise"] is None
    kinds = [(row.kind, row.step, row.phase, row.value) for row in usage_rows()]
    assert kinds[0][0] == "start" and kinds[-1][0] == "complete"
    assert ("rating", "distress_before", "before", 8.0) in kinds and ("rating", "distress_after", "after", 6.0) in kinds
    assert [k[1] for k in kinds if k[0] == "step"] == ["pattern", "rounds", "pace", "felt"]
    assert len({row.run_id for row in usage_rows()}) == 1


def test_stopping_part_way_logs_an_abandonment_and_offers_the_menu(steady_env: Any) -> None:
    slots = start("thought_record", steady_env)
    slots, _ = answer(slots, "7")
    slots, _ = answer(slots, "stop")
    assert slots["exercise_status"] == "stopped"
    _, dispatcher = run_action(ActionFinishExercise(), tracker(message("stop", "stop"), slots))
    assert dispatcher.messages[-1]["buttons"][-1]["title"] == "Talk to a person"
    last = usage_rows()[-1]
    assert (last.kind, last.exercise, last.step) == ("abandon", "thought_record", "situation")


def test_a_finished_thought_record_can_be_shown_again(steady_env: Any) -> None:
    slots = start("thought_record", steady_env)
    slots = answer_each(slots, "7", "a meeting", "they think im useless", "shame", "80")
    slots = answer_each(slots, "1", "i stumbled", "they nodded", "one stumble is not useless", "40", "4")
    assert slots["exercise_status"] == "completed"
    events, _ = run_action(ActionFinishExercise(), tracker(message("4", "inform_rating"), slots))
    saved = slot_events(events)["last_results"]
    _, dispatcher = run_action(
        ActionShowLastResult(), tracker(message("show my thought record", "show_last_result"), {"last_results": saved})
    )
    shown = dispatcher.messages[-1]["text"]
    assert "a meeting" in shown and "one stumble is not useless" in shown


def test_no_saved_result_says_so_kindly(steady_env: Any) -> None:
    _, dispatcher = run_action(ActionShowLastResult(), tracker(message("what was my plan", "show_last_result")))
    assert dispatcher.messages[-1]["response"] == "utter_no_saved_result"


def test_check_in_suggests_exercises_that_fit_first_and_logs_it(steady_env: Any) -> None:
    events, dispatcher = run_action(ActionCheckin(), tracker(message("im so panicky rn", "mood_anxious")))
    assert dispatcher.messages[0]["response"] == "utter_intro", "first contact says what Steady is"
    buttons = [button["payload"] for button in dispatcher.messages[-1]["buttons"]]
    assert "breathing" in buttons[0] and "grounding" in buttons[1], "panic: breathing and grounding first"
    calming = ("breathing", "grounding", "body_scan", "muscle")
    assert all(any(name in payload for name in calming) for payload in buttons[:4])
    assert slot_events(events)["introduced"] is True
    assert [(row.kind, row.step) for row in usage_rows()] == [("checkin", "mood_anxious")]


def test_a_number_check_in_is_recorded_as_a_rating(steady_env: Any) -> None:
    latest = message("like an 8", "inform_rating", entities=[{"entity": "number", "value": "8"}])
    run_action(ActionCheckin(), tracker(latest, {"introduced": True}))
    assert [(row.kind, row.value) for row in usage_rows()] == [("checkin", 8.0)]


def test_the_menu_lists_every_exercise_with_a_way_to_reach_a_person(steady_env: Any) -> None:
    _, dispatcher = run_action(ActionShowMenu(), tracker(message("menu", "show_menu"), {"introduced": True}))
    text = dispatcher.messages[-1]["text"]
    assert all(exercise.title in text for exercise in offered_exercises().values())
    assert load_exercises()["goal_review"].title not in text


def test_a_yes_to_not_wanting_to_be_alive_in_seek_help_puts_help_first(steady_env: Any) -> None:
    slots = start("seek_help", steady_env)
    slots, _ = answer(slots, "5")
    step_ids = [step.id for step in load_exercises()["seek_help"].steps]
    while step_ids[int(slots["exercise_step"]) - 1] != "not_alive":
        slots, _ = answer(slots, "no")
    slots, _ = answer(slots, "yes")
    assert slots["exercise_status"] == "interrupted"
    events, dispatcher = run_action(ActionFinishExercise(), tracker(message("yes", "affirm"), slots))
    assert dispatcher.messages[0]["response"] == "utter_crisis_resources"
    assert {"event": "followup", "name": "cssrs_form", "timestamp": None} in events
    with session_scope() as session:
        assert session.query(Escalation).one().category == "passive_ideation"


def test_suggestions_favour_what_helped_this_person_before(steady_env: Any) -> None:
    person = pseudonymise("person-1")
    with session_scope() as session:
        for run_id, exercise, before, after in (("r1", "breathing", 6, 7), ("r2", "grounding", 8, 3)):
            session.add(
                UsageEvent(
                    pseudonym=person, kind="rating", exercise=exercise, run_id=run_id, phase="before", value=before
                )
            )
            session.add(
                UsageEvent(
                    pseudonym=person, kind="rating", exercise=exercise, run_id=run_id, phase="after", value=after
                )
            )
    _, dispatcher = run_action(ActionCheckin(), tracker(message("so anxious", "mood_anxious"), {"introduced": True}))
    buttons = [button["payload"] for button in dispatcher.messages[-1]["buttons"]]
    assert "grounding" in buttons[0] and buttons.index(next(b for b in buttons if "breathing" in b)) > 0
    assert load_exercises()["grounding"].call_it in dispatcher.messages[-1]["text"]


def test_the_message_that_starts_an_exercise_is_not_taken_as_its_first_answer(steady_env: Any) -> None:
    """On activation the form validates the start action's trailing slot events (exercise_answer=None)."""
    slots = start("breathing", steady_env)
    latest = message("can we do breathing", "request_exercise")
    activation = tracker(latest, slots, active_loop="exercise_form", extracted={**slots, "exercise_answer": None})
    events, dispatcher = run_action(ValidateExerciseForm(), activation)
    assert dispatcher.messages == [], "no 'just a number' before the question was even asked"
    assert slot_events(events).get("exercise_retries") in (None, 0.0)
    slots, said = answer(slots, "15")
    assert slots["exercise_step"] == 0 and "10" in said[-1]["text"], "out of range is asked about, not skipped"
    slots, _ = answer(slots, "9")
    assert slots["exercise_step"] == 1 and slots["exercise_answers"]["distress_before"] == 9


def test_a_finished_plan_is_shown_as_a_workbook_page_before_the_closing(steady_env: Any) -> None:
    slots = start("small_goal", steady_env)
    slots = answer_each(slots, "6", "tidying", "clear the desk", "after lunch tomorrow")
    slots = answer_each(slots, "i get distracted", "phone in the drawer", "8")
    slots, _ = answer(slots, "4")
    assert slots["exercise_status"] == "completed"
    _, dispatcher = run_action(ActionFinishExercise(), tracker(message("4", "inform_rating"), slots))
    texts = [m.get("text") or "" for m in dispatcher.messages]
    assert "clear the desk" in texts[0] and "8/10" in texts[0], "the plan comes first"
    assert slots["exercise_answers"]["area"] == "home", "tidying is Everyday tasks"
    assert len(dispatcher.messages[-1]["buttons"]) <= 6
