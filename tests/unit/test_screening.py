"""The C-SSRS screener logic: question order, reading answers, and grading."""

from __future__ import annotations

import pytest

from bot import screening
from bot.screening import DECLINED, NO, UNCLEAR, YES


def test_questions_come_in_order_and_only_when_relevant() -> None:
    assert screening.next_questions({}) == ["wish_dead", "thoughts", "behaviour"]
    assert screening.next_questions({"wish_dead": YES, "thoughts": YES}) == ["method", "intent", "plan", "behaviour"]
    assert screening.next_questions({"wish_dead": NO, "thoughts": NO, "behaviour": YES}) == ["behaviour_recent"]
    assert screening.next_questions({"wish_dead": NO, "thoughts": UNCLEAR})[:3] == ["method", "intent", "plan"]


@pytest.mark.parametrize(
    ("text", "intent", "risk", "meaning"),
    [
        ("yes", None, False, YES),
        ("yeah kinda", "affirm", False, YES),
        ("no", None, False, NO),
        ("nope never", None, False, NO),
        ("i don't want to answer", None, False, DECLINED),
        ("skip", None, False, DECLINED),
        ("hmm what do you mean", None, False, UNCLEAR),
        ("tonight", None, True, YES),
        ("I’m fine", "deny", False, NO),
    ],
)
def test_answers_are_read_conservatively(text: str, intent: str | None, risk: bool, meaning: str) -> None:
    assert screening.interpret(text, intent, risk) == meaning


@pytest.mark.parametrize(
    ("answers", "detector", "grade"),
    [
        ({"wish_dead": YES, "thoughts": NO, "behaviour": NO}, None, "low"),
        (
            {"wish_dead": YES, "thoughts": YES, "method": NO, "intent": NO, "plan": NO, "behaviour": NO},
            None,
            "moderate",
        ),
        (
            {"wish_dead": YES, "thoughts": YES, "method": YES, "intent": YES, "plan": NO, "behaviour": NO},
            None,
            "imminent",
        ),
        (
            {"wish_dead": YES, "thoughts": YES, "method": YES, "intent": YES, "plan": YES, "behaviour": NO},
            None,
            "imminent",
        ),
        ({"wish_dead": NO, "thoughts": NO, "behaviour": YES, "behaviour_recent": YES}, None, "imminent"),
        ({"wish_dead": NO, "thoughts": NO, "behaviour": YES, "behaviour_recent": NO}, None, "moderate"),
        ({"wish_dead": NO, "thoughts": NO, "behaviour": NO}, "high", "high"),
        ({"wish_dead": DECLINED, "thoughts": DECLINED, "behaviour": DECLINED}, "moderate", "moderate"),
    ],
)
def test_grading_never_goes_below_what_the_detector_saw(answers: dict, detector: str | None, grade: str) -> None:
    assert screening.grade(answers, detector) == grade


# ---------------------------------------------------------------- issue 11: a screener that listens


def test_the_disclosure_answers_questions_so_they_are_not_asked_again() -> None:
    from bot.screening import answered_by_disclosure

    pills_now = answered_by_disclosure("i have the pills in front of me and i'm going to take them now")
    assert pills_now["method"] == "yes" and pills_now["intent"] == "yes"
    assert answered_by_disclosure("i want to die") == {"wish_dead": "yes"}
    assert answered_by_disclosure("i feel like a burden") == {}


def test_intent_plan_or_recent_behaviour_means_act_now() -> None:
    from bot.screening import grade, next_questions

    for question in ("intent", "plan", "behaviour_recent"):
        answers = {"wish_dead": "yes", "thoughts": "yes", question: "yes"}
        assert next_questions(answers) == [] and grade(answers) == "imminent"
    assert grade({"wish_dead": "yes", "thoughts": "yes", "behaviour": "yes", "behaviour_recent": "no"}) == "moderate"
