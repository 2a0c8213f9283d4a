"""Finding 6 in the risk component: it never fails the NLU graph; half an emoji does not hide risk;
a detector that breaks flags the message for review instead of dropping it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT

from bot.risk.component import REVIEW_RULE, RiskDetectorComponent
from tests.unit.test_risk_component import component, diet_message  # noqa: F401 - the fixture

HALF_AN_EMOJI = "\ud83d"


def test_risk_with_half_an_emoji_is_still_found(component: RiskDetectorComponent) -> None:  # noqa: F811
    message = diet_message("I want to kill myself tonight " + HALF_AN_EMOJI, [("mood_low", 0.9), ("risk", 0.1)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"
    assert message.get("risk")["is_risk"]


def test_a_broken_detector_flags_the_message_for_review_instead_of_failing(
    component: RiskDetectorComponent, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    def broken(_text: str) -> None:
        raise ValueError("[E123] something inside spaCy")

    monkeypatch.setattr(component.detector, "assess", broken)
    message = diet_message("i had a rough day", [("mood_low", 0.9), ("risk", 0.1)])
    component.process([message])
    assert message.get(INTENT)["name"] == "risk"
    assert [hit["rule"] for hit in message.get("risk")["hits"]] == [REVIEW_RULE]
