"""Around the exercises: suggestions that fit the state, "yes" and "the first one" starting what was
offered, and the two-stage fallback asking in human words (never an intent name, never risk)."""

from __future__ import annotations

from typing import Any

import pytest

from actions.conversation import ActionCheckin, ActionDefaultAskAffirmation, ActionShowMenu
from actions.exercise import ActionStartExercise
from tests.conversations.runner import NAMES_AN_INTENT, words_of
from tests.support.trackers import message, run_action, slot_events, tracker


def ranking(*guesses: tuple[str, float]) -> dict[str, Any]:
    first = guesses[0]
    latest = message("hey its me again", first[0], first[1])
    latest["intent_ranking"] = [{"name": name, "confidence": confidence} for name, confidence in guesses]
    return latest


@pytest.mark.parametrize(
    ("guesses", "asks", "payload"),
    [
        ((("nlu_fallback", 0.4), ("risk_check", 0.35), ("greet", 0.3)), "hello", "/greet"),
        ((("nlu_fallback", 0.4), ("risk", 0.3), ("mood_low", 0.2)), "feeling low", "/mood_low"),
        ((("nlu_fallback", 0.4), ("request_human", 0.39)), "talk to a person", "/request_human"),
        ((("nlu_fallback", 0.4), ("mood_problem", 0.3)), "problem", "/mood_problem"),
        ((("nlu_fallback", 0.4), ("start_over", 0.3)), "start again", "/start_over"),
    ],
)
def test_the_fallback_asks_in_human_words_and_yes_does_the_thing(
    guesses: tuple[tuple[str, float], ...], asks: str, payload: str, steady_env: Any
) -> None:
    _, dispatcher = run_action(ActionDefaultAskAffirmation(), tracker(ranking(*guesses), {"introduced": True}))
    said = dispatcher.messages[-1]
    assert asks in said["text"] and not NAMES_AN_INTENT.search(words_of(dispatcher.messages))
    assert said["buttons"][0]["payload"] == payload and said["buttons"][0]["title"] == "Yes"
    assert all("risk" not in button["payload"] for button in said["buttons"])


def test_the_fallback_never_guesses_risk_and_asks_to_rephrase_instead(steady_env: Any) -> None:
    latest = ranking(("nlu_fallback", 0.4), ("risk_check", 0.39), ("risk", 0.2))
    _, dispatcher = run_action(ActionDefaultAskAffirmation(), tracker(latest, {"introduced": True}))
    assert dispatcher.messages == [{**dispatcher.messages[0], "response": "utter_ask_rephrase"}]


def checkin(text: str, intent: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    events, dispatcher = run_action(ActionCheckin(), tracker(message(text, intent), {"introduced": True}))
    return slot_events(events), dispatcher.messages


def test_panic_suggests_breathing_and_grounding_first_with_a_few_buttons(steady_env: Any) -> None:
    slots, said = checkin("im having a panic attack i think, heart racing", "mood_anxious")
    assert slots["offered_exercises"][:2] == ["breathing", "grounding"]
    assert len(said[-1]["buttons"]) <= 6 and said[-1]["buttons"][-2]["title"] == "More"


@pytest.mark.parametrize(
    "text", ["my grandad died last week and i cant stop crying", "i feel awful tbh", "my mum passed away in june"]
)
def test_grief_and_feeling_awful_get_validation_first_not_three_good_things(text: str, steady_env: Any) -> None:
    slots, said = checkin(text, "mood_low")
    assert "gratitude" not in slots["offered_exercises"]
    assert slots["offered_exercises"][0] in ("self_compassion", "journaling", "support_network", "grounding")
    assert any(word in said[-1]["text"] for word in ("sorry", "hard", "rough"))


def start_after(offered: list[str], text: str, intent: str) -> dict[str, Any]:
    latest = message(text, intent)
    events, _ = run_action(ActionStartExercise(), tracker(latest, {"introduced": True, "offered_exercises": offered}))
    return slot_events(events)


def test_yes_to_would_you_like_to_try_one_starts_the_one_suggested(steady_env: Any) -> None:
    slots, _ = checkin("so anxious about tomorrow", "mood_anxious")
    started = start_after(slots["offered_exercises"], "yeah ok", "affirm")
    assert started["exercise"] == slots["offered_exercises"][0] and started["exercise_status"] == "running"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("the first one", "body_scan"),
        ("the second one please", "breathing"),
        ("box i guess", "breathing"),
        ("the setback one", "growth_mindset"),
        ("learning from a setback", "growth_mindset"),
        ("the muscle one", "muscle_relaxation"),
        ("i want to remember what got me through last time", "strengths"),
        ("the thought thing you said", "thought_record"),
        ("should i see a professional?", "seek_help"),
    ],
)
def test_exercises_are_picked_as_people_name_them(text: str, wanted: str, steady_env: Any) -> None:
    events, _ = run_action(ActionShowMenu(), tracker(message("what else is there", "show_menu"), {"introduced": True}))
    offered = slot_events(events)["offered_exercises"]
    assert start_after(offered, text, "request_exercise")["exercise"] == wanted
