"""The crisis replies the Rasa server sends itself (bot/crisis.py), chosen as Rasa chooses them from
the slots: the country said, the channel's guess, a country not listed, or none at all."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.shared.nlu.training_data.message import Message

from bot import crisis
from bot.config import CONTENT_DIR, REPO_ROOT
from bot.crisis_router import CrisisRouter
from bot.risk.model import RiskAssessment, RiskHit

HELPLINES = crisis.load_helplines()
WORDING = crisis.crisis_wording()
RESPONSES = crisis.crisis_responses(HELPLINES, WORDING)
DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
NO_COUNTRY = {"country": None, "country_guess": None, "country_listed": None}


def reply(name: str, **slots: Any) -> dict[str, Any]:
    """The variations Rasa may pick for these slots; all of them must agree on what matters."""
    chosen = ResponseVariationFilter(RESPONSES).responses_for_utter_action(name, "rest", {**NO_COUNTRY, **slots})
    assert chosen, f"{name} has no variation for {slots}"
    return chosen[0]


def titles(variation: dict[str, Any]) -> list[str]:
    return [button["title"] for button in variation.get("buttons") or []]


@pytest.mark.parametrize("name", ["utter_crisis_resources", "utter_crisis_imminent", "utter_human_resources"])
def test_with_no_country_the_first_crisis_reply_asks_where_the_person_is(name: str) -> None:
    variation = reply(name)
    assert WORDING["ask_country"] in variation["text"]
    assert titles(variation)[-7:] == ["United States", "United Kingdom", "India", "Canada", "Australia", "Ireland",
                                      "Somewhere else"]  # fmt: skip
    assert '/inform_country{{"country": "IN"}}' in [b["payload"] for b in variation["buttons"]]


def test_a_guessed_country_is_named_and_one_tap_corrects_it() -> None:
    variation = reply("utter_crisis_resources", country_guess="US")
    assert "Showing services in the United States. Somewhere else?" in variation["text"]
    assert "988" in variation["text"]
    assert "India" in titles(variation) and "United States" not in titles(variation)


def test_the_country_the_person_said_wins_over_the_guess_and_is_not_asked_again() -> None:
    variation = reply("utter_crisis_resources", country="IN", country_guess="US", country_listed="listed")
    assert "14416" in variation["text"] and "988" not in variation["text"]
    assert WORDING["ask_country"] not in variation["text"] and "Somewhere else" not in titles(variation)


def test_a_country_the_file_does_not_list_gets_the_directories_without_asking_again() -> None:
    variation = reply("utter_crisis_resources", country="PE", country_listed="unlisted")
    assert WORDING["unlisted_country"] in variation["text"] and "findahelpline" in variation["text"]
    assert WORDING["ask_country"] not in variation["text"]


def test_the_imminent_message_says_what_a_crisis_worker_would_say_first() -> None:
    for variation in RESPONSES["utter_crisis_imminent"]:
        text = variation["text"].lower()
        assert "call" in text and ("someone near" in text or "someone is nearby" in text)
        assert "safe" in text and "taken anything" in text and "poison" in text and "even if you feel" in text
        assert "other people" in text and ("distance" in text or "move away" in text)
        assert not any("request_exercise" in button["payload"] for button in variation.get("buttons") or [])
    gb = reply("utter_crisis_imminent", country="GB")
    assert "call 999 now" in gb["text"].lower() and "116 123" in gb["text"]


def test_no_crisis_reply_points_at_numbers_above_and_none_offers_an_exercise_at_imminent() -> None:
    said = [v["text"] for variations in RESPONSES.values() for v in variations]
    said += [v["text"] for name, variations in DOMAIN["responses"].items() for v in variations if "counselor" in name]
    assert not [text for text in said if "above" in text]
    for name in ("utter_crisis_imminent", "utter_imminent_taken", "utter_imminent_not_taken"):
        assert not any("request_exercise" in str(v.get("buttons")) for v in RESPONSES[name])


def test_offering_a_counselor_and_asking_one_are_different_steps() -> None:
    rules = yaml.safe_load((REPO_ROOT / "data" / "rules" / "safety.yml").read_text())["rules"]
    for rule in rules:
        steps = rule["steps"]
        for before, after in zip(steps, steps[1:], strict=False):
            offered = before.get("action") == "utter_human_resources" or before.get("intent") == "request_human"
            assert not (offered and after.get("action") == "action_request_counselor"), rule["rule"]
    offer = reply("utter_human_resources", country="GB")
    assert "like me to ask one of Steady's counselors" in offer["text"]
    assert {b["payload"] for b in offer["buttons"]} == {"/request_counselor", "/deny"}


def test_bereavement_and_panic_replies() -> None:
    loss = reply("utter_bereavement", country="GB")["text"]
    assert "sorry for your loss" in loss and "bereaved by suicide" in loss
    assert "thoughts of ending your own life" in loss
    panic = reply("utter_panic", country="GB")
    assert "chest pain" in panic["text"] and "999" in panic["text"]
    assert titles(panic) == ["Breathing", "Grounding"]
    named = reply("utter_panic_named", country="GB")  # the exercise the person named starts next
    assert "chest pain" in named["text"] and "999" in named["text"]
    assert not named.get("buttons")


def test_a_distress_rating_of_nine_or_ten_is_acknowledged() -> None:
    assert crisis.high_distress_line(8) is None
    assert "A 9 out of 10 is a lot" in (crisis.high_distress_line(9) or "")
    assert "talk to a person" in (crisis.high_distress_line(10) or "")


def test_the_most_picked_countries_are_in_the_helplines_file() -> None:
    assert set(WORDING["country_buttons"]) <= crisis.listed_countries(HELPLINES)
    assert yaml.safe_load((CONTENT_DIR / "crisis.yml").read_text())["somewhere_else"]


# ---------------------------------------------------------------- the router (an NLU component)


def routed(text: str, intent: str, risk: dict | None = None, metadata: dict | None = None,
           entities: list | None = None) -> Message:  # fmt: skip
    message = Message({"text": text, "intent": {"name": intent, "confidence": 1.0}, "risk": risk or {},
                       "metadata": metadata, "entities": entities or []})  # fmt: skip
    CrisisRouter(crisis.listed_countries(HELPLINES)).process([message])
    return message


def graded(text: str, severity: str) -> dict:
    """The risk component's result for a message graded `severity` (as stored in its parse data)."""
    return RiskAssessment((RiskHit("plan_intent", severity, 0, len(text), text, "test"),)).to_dict()


def test_imminent_risk_gets_its_own_intent_so_the_imminent_message_comes_first() -> None:
    words = "i have the pills and im taking them now"
    message = routed(words, "risk", graded(words, "imminent"))
    assert message.get("intent")["name"] == "risk_imminent"
    assert routed("i want to die", "risk", graded("i want to die", "high")).get("intent")["name"] == "risk"


def test_the_channels_guess_becomes_an_entity_only_for_listed_countries() -> None:
    guess = routed("hi", "greet", metadata={"country_guess": "US"}).get("entities")
    assert [(e["entity"], e["value"]) for e in guess] == [("country_guess", "US")]
    assert routed("hi", "greet", metadata={"country_guess": "ZZ"}).get("entities") == []
    assert routed("hi", "greet", metadata=None).get("entities") == []


def test_a_named_country_says_whether_the_file_lists_it() -> None:
    said = routed("peru", "inform_country", entities=[{"entity": "country", "value": "PE"}]).get("entities")
    assert ("country_listed", "unlisted") in [(e["entity"], e["value"]) for e in said]
    said = routed("india", "inform_country", entities=[{"entity": "country", "value": "IN"}]).get("entities")
    assert ("country_listed", "listed") in [(e["entity"], e["value"]) for e in said]


WITH_SERVICES = ["utter_bereavement", "utter_panic", "utter_panic_named", "utter_risk_check", "utter_imminent_taken"]


@pytest.mark.parametrize("name", WITH_SERVICES)
def test_every_reply_with_services_names_a_guessed_country(name: str) -> None:
    assert "Showing services in the United Kingdom" in reply(name, country_guess="GB")["text"]
    assert "Showing services in" not in reply(name, country="GB")["text"]


@pytest.mark.parametrize(
    ("text", "start", "end", "country"),
    [("argentina", 0, 9, True), ("im in ireland actually", 6, 13, True), ("Germany.", 0, 7, True),
     ("i went to spain and it was awful", 10, 15, False), ("no i'm in austria", 10, 17, True),
     ("i'm not in austria", 13, 20, False)],
)
def test_a_message_that_is_only_a_country_is_the_country(text: str, start: int, end: int, country: bool) -> None:
    entity = [{"entity": "country", "value": "XX", "start": start, "end": end}]
    message = Message({"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "entities": entity,
                       "intent_ranking": [{"name": "inform_country", "confidence": 0.97}]})  # fmt: skip
    CrisisRouter(crisis.listed_countries(HELPLINES)).process([message])
    assert (message.get("intent")["name"] == "inform_country") is country
    names = [item["name"] for item in message.get("intent_ranking") or []]
    assert names.count("inform_country") <= 1, "listed once, or the fallback reads a tie between two"
    assert routed(text, "risk", entities=entity).get("intent")["name"] == "risk", "risk is never overridden"
