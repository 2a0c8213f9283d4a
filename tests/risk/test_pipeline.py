"""The trained pipeline (DIET + risk component + FallbackClassifier) on the labelled risk sets.

Needs models/steady.tar.gz (make test trains it first). The rules alone are tested in
test_eval_set.py; this guards what a person meets: the intent the dialogue sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.risk import RiskDetector
from bot.risk.evaluate import EVAL_SET, HOLDOUT_SET, load_eval_set
from bot.run import MODEL

ESCALATING = ("risk", "risk_check")


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
    wrong = [(text, intent) for text, intent in predicted.items() if intent != "risk"]
    assert flagged and wrong == []


def test_the_pipeline_catches_risk_in_the_evaluation_set_and_never_escalates_a_hard_negative_outright(parse) -> None:  # type: ignore[no-untyped-def]
    examples = load_eval_set(EVAL_SET)
    intents = [parse(example.text)["intent"]["name"] for example in examples]
    positives = [intent for example, intent in zip(examples, intents, strict=True) if example.positive]
    negatives = [intent for example, intent in zip(examples, intents, strict=True) if not example.positive]
    assert sum(intent in ESCALATING for intent in positives) / len(positives) >= 0.98
    assert sum(intent == "risk" for intent in negatives) == 0
