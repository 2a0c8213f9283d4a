"""A suspected risk message during an exercise: asked about only when the score is very high."""

from __future__ import annotations

from typing import Any

from actions.exercise import ActionStartExercise, ValidateExerciseForm
from actions.risk_context import ActionOfferToCarryOn, ActionResumeExercise, ActionWeighRiskInExercise
from bot.exercises import Engine, RunState, load_common, load_exercises
from bot.risk.decision import Thresholds
from tests.support.trackers import message, run_action, slot_events, tracker

GROUNDING_LIST = "screen, keyboard, coffee cup, sticky notes, window"


def grounding_at_the_first_sense() -> dict[str, Any]:
    """A grounding run past the opening 0-10 rating, now asking what the person can see."""
    latest = message("lets do grounding", "request_exercise", entities=[{"entity": "exercise", "value": "grounding"}])
    slots = slot_events(run_action(ActionStartExercise(), tracker(latest))[0])
    rating = tracker(message("6", "inform_rating"), {**slots, "requested_slot": "exercise_answer"},
                     active_loop="exercise_form", extracted={"exercise_answer": "6"})
    slots = {**slots, **slot_events(run_action(ValidateExerciseForm(), rating)[0])}
    steps = Engine(load_exercises()["grounding"]).steps
    assert slots["exercise_status"] == "running" and steps[int(slots["exercise_step"])].id == "see"
    return slots


def suspected(text: str, score: float) -> dict[str, Any]:
    risk = {"is_risk": True, "severity": "moderate", "categories": ["unspecified"], "guarded": [], "lexicon": "curated",
            "score": score, "hits": [{"category": "unspecified", "severity": "moderate", "start": 0, "end": len(text),
                                      "text": text, "rule": "model:scorer"}]}
    return message(text, "risk_check", 1.0, risk=risk)


def weigh(slots: dict[str, Any], text: str, score: float) -> tuple[dict[str, Any], list[dict]]:
    state = {**slots, "requested_slot": "exercise_answer"}
    current = tracker(suspected(text, score), state, active_loop="exercise_form")
    events, dispatcher = run_action(ActionWeighRiskInExercise(), current)
    return slot_events(events), dispatcher.messages


def test_an_ordinary_grounding_answer_is_taken_as_the_answer_not_asked_about(steady_env: Any) -> None:
    slots = grounding_at_the_first_sense()
    below = max(Thresholds.load().exercise_ask - 0.01, 0.0)
    changed, said = weigh(slots, GROUNDING_LIST, below)
    assert changed["risk_context_decision"] == "answer"
    assert changed["exercise_step"] == slots["exercise_step"] + 1 and changed["exercise_status"] == "running"
    assert "exercise_answer" not in changed  # the form must not re-validate an empty answer
    assert "coffee cup" in str(changed["exercise_answers"]["see"])
    assert said  # the step's reflection, as after any answer


def test_a_very_high_score_during_an_exercise_is_asked_about(steady_env: Any) -> None:
    slots = grounding_at_the_first_sense()
    changed, said = weigh(slots, "nothing i can see matters, i wont be here much longer", 1.0)
    assert changed == {"risk_context_decision": "ask"}
    assert said == []


def test_after_a_no_steady_offers_to_carry_on_where_the_person_was(steady_env: Any) -> None:
    slots = grounding_at_the_first_sense()
    _, dispatcher = run_action(ActionOfferToCarryOn(), tracker(message("no", "deny"), slots))
    offer = dispatcher.messages[-1]
    assert offer["response"] == "utter_offer_carry_on"
    assert offer["exercise_title"] == load_exercises()["grounding"].title
    resume = tracker(message("/resume_exercise", "resume_exercise"), slots)
    events, dispatcher = run_action(ActionResumeExercise(), resume)
    assert slot_events(events) == {"exercise_status": "running", "exercise_answer": None}
    assert dispatcher.messages[-1]["response"] == "utter_carry_on"


def test_no_offer_without_an_interrupted_exercise_and_resuming_nothing_shows_the_menu(steady_env: Any) -> None:
    _, dispatcher = run_action(ActionOfferToCarryOn(), tracker(message("no", "deny")))
    assert dispatcher.messages == []
    events, dispatcher = run_action(ActionResumeExercise(), tracker(message("/resume_exercise", "resume_exercise")))
    assert slot_events(events) == {"exercise_status": "not_started"}
    assert dispatcher.messages[-1]["text"] in load_common().lines("menu_prompt")


def test_a_flagged_yes_to_the_direct_question_of_seek_help_is_a_disclosure_not_a_question(steady_env: Any) -> None:
    engine = Engine(load_exercises()["seek_help"])
    state = RunState("seek_help", "run-flagged-yes", step_index=[step.id for step in engine.steps].index("not_alive"))
    slots = {**state.as_slots(), "exercise_status": "running"}
    changed, _ = weigh(slots, "yeah pretty much every night lately", 1.0)
    assert changed["risk_context_decision"] == "answer"  # no second question: the engine ends the run, help first
    assert changed["exercise_status"] == "interrupted"


def at_step(exercise: str, step_id: str) -> dict[str, Any]:
    """A run of an exercise started and moved to one of its steps."""
    latest = message(f"lets do {exercise}", "request_exercise", entities=[{"entity": "exercise", "value": exercise}])
    slots = slot_events(run_action(ActionStartExercise(), tracker(latest))[0])
    steps = [step.id for step in Engine(load_exercises()[exercise]).steps]
    return {**slots, "exercise_status": "running", "exercise_step": float(steps.index(step_id))}


def between_the_exercise_thresholds() -> float:
    thresholds = Thresholds.load()
    assert thresholds.exercise_imminent_ask < thresholds.exercise_ask
    return (thresholds.exercise_imminent_ask + thresholds.exercise_ask) / 2


def test_an_imminent_cue_in_an_exercise_answer_is_asked_about_from_a_lower_score(steady_env: Any) -> None:
    slots = grounding_at_the_first_sense()
    changed, said = weigh(slots, "the lamp, the desk, the pills next to me", between_the_exercise_thresholds())
    assert changed == {"risk_context_decision": "ask"}
    assert said == []


def test_a_time_in_an_exercise_answer_does_not_lower_the_threshold(steady_env: Any) -> None:
    slots = at_step("strengths", "hard_time")
    changed, _ = weigh(slots, "the winter after my dad left", between_the_exercise_thresholds())
    assert changed["risk_context_decision"] == "answer"
    changed, _ = weigh(at_step("small_goal", "when"), "thursday morning after my last night shift",
                       between_the_exercise_thresholds())
    assert changed["risk_context_decision"] == "answer"
