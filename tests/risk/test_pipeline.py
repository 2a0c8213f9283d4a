"""The trained pipeline (DIET + risk component + FallbackClassifier) on the labelled risk sets.

Needs models/steady.tar.gz (make test trains it first). The rules alone are tested in
test_eval_set.py; this guards what a person meets: the intent the dialogue sees.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest

from bot.exercises import load_exercises
from bot.risk import RiskDetector
from bot.risk.eval.evaluate import EVAL_SET, HOLDOUT_SET, load_eval_set
from bot.run import MODEL

# bot/crisis_router.py renames a risk message the detector grades imminent to risk_imminent.
ESCALATED = ("risk", "risk_imminent")
ESCALATING = (*ESCALATED, "risk_check")


@pytest.fixture(scope="module")
def parse() -> Iterator:
    if not MODEL.exists():
        pytest.fail("No trained model at models/steady.tar.gz: run `make test` (it trains first).")
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    yield lambda text: asyncio.run(agent.parse_message(text))


def test_every_message_the_rules_flag_reaches_the_dialogue_as_risk(parse) -> None:  # type: ignore[no-untyped-def]
    detector = RiskDetector()
    flagged = [e.text for e in load_eval_set(EVAL_SET) + load_eval_set(HOLDOUT_SET) if detector.assess(e.text).is_risk]
    predicted = {text: parse(text)["intent"]["name"] for text in flagged}
    wrong = [(text, intent) for text, intent in predicted.items() if intent not in ESCALATED]
    assert flagged and wrong == []


def test_the_pipeline_catches_risk_in_the_evaluation_set_and_never_escalates_a_hard_negative_outright(parse) -> None:  # type: ignore[no-untyped-def]
    examples = load_eval_set(EVAL_SET)
    intents = [parse(example.text)["intent"]["name"] for example in examples]
    positives = [intent for example, intent in zip(examples, intents, strict=True) if example.positive]
    negatives = [intent for example, intent in zip(examples, intents, strict=True) if not example.positive]
    assert sum(intent in ESCALATING for intent in positives) / len(positives) >= 0.98
    assert sum(intent in ESCALATED for intent in negatives) == 0


def suggested_answers() -> list[str]:
    """Example answers Steady itself offers in exercise prompts and help, like 'I'll be too tired'."""
    quoted = re.compile(r"(?:(?<=\s)|(?<=\()|^)['‘](.+?)['’](?=[\s,.;:)?!]|$)")
    texts = [
        text
        for exercise in load_exercises().values()
        for step in exercise.steps
        for text in (step.prompt, step.help, *step.more_prompt)
    ]
    return sorted({match.strip() for text in texts for match in quoted.findall(text) if len(match.split()) >= 2})


def test_answers_steady_itself_suggests_never_escalate_and_rarely_get_the_direct_question(parse) -> None:  # type: ignore[no-untyped-def]
    """The model alone may still ask the direct question on a harmless phrase (a few in each training,
    never the same ones): asking is safe, so that is bounded here; escalating outright is not allowed."""
    examples = suggested_answers()
    intents = {text: parse(text)["intent"]["name"] for text in examples}
    asked = sorted(text for text, intent in intents.items() if intent == "risk_check")
    assert len(examples) >= 20
    assert [text for text, intent in intents.items() if intent in ESCALATED] == []
    assert len(asked) / len(examples) <= 0.10, asked
