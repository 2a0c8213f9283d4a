"""A yes-type answer to a step that itself asks about risk is a disclosure (issue 12, context)."""

from __future__ import annotations

import pytest

from bot.exercises import Engine, RunState, load_exercises
from bot.risk.decision import ANSWER, ASK, ESCALATE, Thresholds, decide_in_exercise
from bot.risk.disclosure import affirms
from bot.risk.eval.outcomes import risk_question_steps

YES = ["yes", "Yeah", "yes, almost every day", "yeah most days tbh", "kinda, most nights", "sometimes",
       "not every day but often", "honestly yes. since the breakup", "a bit lately", "no but sometimes at night",
       "yh", "i have been yeah"]
NO = ["no", "nah im not there, just sad a lot", "no, nothing like that", "not really no", "never",
      "No, I wouldn’t do that to the kids", "not lately", "i dont think so", "i used to years ago, not now", "3"]


@pytest.mark.parametrize("answer", YES)
def test_yes_type_answers_affirm(answer: str) -> None:
    assert affirms(answer)


@pytest.mark.parametrize("answer", NO)
def test_no_type_answers_do_not(answer: str) -> None:
    assert not affirms(answer)


def test_the_scripts_mark_the_direct_question_of_seek_help() -> None:
    assert "seek_help/not_alive" in risk_question_steps()
    assert "grounding/see" not in risk_question_steps()


def engine_at_not_alive() -> tuple[Engine, RunState]:
    engine = Engine(load_exercises()["seek_help"])
    state = RunState("seek_help", "run-disclosure")
    state.step_index = [step.id for step in engine.steps].index("not_alive")
    return engine, state


@pytest.mark.parametrize("answer", ["yeah pretty much every day", "kinda, not every day but often", "most nights"])
def test_a_typed_yes_to_not_alive_ends_the_run_as_risk(answer: str) -> None:
    engine, state = engine_at_not_alive()
    outcome = engine.answer(state, answer)
    assert outcome.finished and outcome.ended_by == "risk"


@pytest.mark.parametrize("answer", ["nah im not there, just sad a lot", "no", "not really"])
def test_a_no_to_not_alive_carries_on(answer: str) -> None:
    engine, state = engine_at_not_alive()
    outcome = engine.answer(state, answer)
    assert not outcome.finished and state.answers["not_alive"] == "no"


def test_a_yes_to_another_step_is_just_an_answer() -> None:
    engine = Engine(load_exercises()["seek_help"])
    state = RunState("seek_help", "run-other-step")
    state.step_index = [step.id for step in engine.steps].index("most_days")
    assert not engine.answer(state, "yeah most days for a month").finished


def test_a_disclosure_escalates_in_the_decision_table() -> None:
    thresholds = Thresholds(ask=0.5, escalate=0.95, exercise_ask=0.8)
    assert decide_in_exercise(ASK, 0.1, thresholds, discloses=True) == ESCALATE
    assert decide_in_exercise("none", None, thresholds, discloses=True) == ESCALATE
    assert decide_in_exercise(ASK, 0.1, thresholds) == ANSWER
