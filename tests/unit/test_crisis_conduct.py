"""Crisis conduct (issue 11) with real Trackers: danger right now first, the screener that listens,
honest promises about counselors, and the country the person is in."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import (
    ActionCountryNoted,
    ActionCssrsResult,
    ActionEscalate,
    ActionEscalateImminent,
    ActionImminentAnswer,
    ActionRequestCounselor,
    ValidateCssrsForm,
)
from bot.db import Escalation, NotificationAttempt, session_scope
from bot.escalation import status
from tests.support.steady_env import SteadyPaths, write_oncall
from tests.support.trackers import message, run_action, slot_events, tracker

ONCALL = {"primary": [{"name": "Ana", "webhook_url": "https://hooks.example.org/a"}]}
PILLS_NOW = "i have the pills in front of me and i'm going to take them now"


def detected(text: str, severity: str, category: str = "plan_intent") -> dict[str, Any]:
    hit = {"category": category, "severity": severity, "start": 0, "end": len(text), "text": text, "rule": "r"}
    return {"hits": [hit], "severity": severity, "categories": [category]}


def escalation() -> Escalation:
    with session_scope() as session:
        row = session.query(Escalation).one()
        session.expunge_all()
    return row


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [m.get("response") for m in dispatcher.messages]


@pytest.fixture
def on_call(steady_env: SteadyPaths) -> SteadyPaths:
    """Contacts configured and the notifier alive: someone really is alerted."""
    write_oncall(steady_env.oncall_file, ONCALL)
    status.beat()
    return steady_env


# ---------------------------------------------------------------- 1. imminent first


def test_an_imminent_disclosure_is_recorded_at_imminent_and_skips_the_questionnaire(on_call: SteadyPaths) -> None:
    latest = message(PILLS_NOW, "risk_imminent", 1.0, risk=detected(PILLS_NOW, "imminent"))
    events, dispatcher = run_action(ActionEscalateImminent(), tracker(latest, sender="p-imm"))
    row = escalation()
    assert row.severity == "imminent"
    assert row.cssrs["method"] == "yes" and row.cssrs["intent"] == "yes", "what the disclosure answered is recorded"
    slots = slot_events(events)
    assert slots["cssrs_status"] == "done", "no past-month questions for someone who may be taking an overdose"
    assert slots["crisis_stage"] == "safety_asked"
    assert responses(dispatcher) == ["utter_counselor_notified"]
    with session_scope() as session:
        tiers = {attempt.tier for attempt in session.query(NotificationAttempt)}
    assert tiers == {"primary"}, "the on-call chain starts at once"


def test_the_screener_does_not_ask_what_the_disclosure_already_answered(steady_env: SteadyPaths) -> None:
    text = "i have pills saved up for when i decide"
    latest = message(text, "risk", 1.0, risk=detected(text, "high"))
    events, dispatcher = run_action(ActionEscalate(), tracker(latest, sender="p-saved"))
    assert responses(dispatcher)[-1] == "utter_cssrs_intro", "the questions are still introduced"
    slots = slot_events(events)
    assert slots["cssrs_method"] == "yes", "'I have the pills' answers the method question"
    assert slots["cssrs_wish_dead"] == "yes" and slots["cssrs_thoughts"] == "yes"
    form = tracker(message("ok", "affirm"), {**slots, "requested_slot": None}, active_loop="cssrs_form")
    form_events, _ = run_action(ValidateCssrsForm(), form)
    assert slot_events(form_events)["requested_slot"] == "cssrs_intent"


@pytest.mark.parametrize("question", ["intent", "plan", "behaviour_recent"])
def test_a_yes_that_means_danger_now_ends_the_questions_at_once(steady_env: SteadyPaths, question: str) -> None:
    before = {"cssrs_wish_dead": "yes", "cssrs_thoughts": "yes", "cssrs_method": "yes", "cssrs_behaviour": "yes"}
    slots = {**before, "requested_slot": f"cssrs_{question}"}
    current = tracker(
        message("yes", "affirm"), {**slots, f"cssrs_{question}": "yes"}, active_loop="cssrs_form",
        extracted={f"cssrs_{question}": "yes"},
    )  # fmt: skip
    events, _ = run_action(ValidateCssrsForm(), current)
    assert slot_events(events)["requested_slot"] is None, "no more questions"
    run_action(ActionEscalate(), tracker(message("i want to die", "risk", 1.0), sender="p-now"))
    result, dispatcher = run_action(
        ActionCssrsResult(), tracker(message("yes", "affirm"), {**before, f"cssrs_{question}": "yes"}, sender="p-now")
    )
    assert responses(dispatcher) == ["utter_crisis_imminent"]
    assert slot_events(result)["risk_severity"] == "imminent"


@pytest.mark.parametrize(("intent", "said"), [("affirm", "utter_imminent_taken"), ("deny", "utter_imminent_not_taken")])
def test_the_answer_to_have_you_taken_anything(steady_env: SteadyPaths, intent: str, said: str) -> None:
    run_action(ActionEscalate(), tracker(message(PILLS_NOW, "risk_imminent", risk=detected(PILLS_NOW, "imminent"))))
    events, dispatcher = run_action(ActionImminentAnswer(), tracker(message("yes", intent)))
    assert responses(dispatcher) == [said]
    assert slot_events(events)["crisis_stage"] is None
    assert escalation().cssrs["taken_or_hurt"] == ("yes" if intent == "affirm" else "no")


# ---------------------------------------------------------------- 3. honest promises


def test_nobody_is_said_to_be_alerted_without_on_call_contacts(steady_env: SteadyPaths) -> None:
    latest = message("i want to die", "risk", 1.0, risk=detected("i want to die", "high", "active_ideation"))
    _, dispatcher = run_action(ActionEscalate(), tracker(latest))
    assert responses(dispatcher)[0] == "utter_counselor_recorded"


def test_nobody_is_said_to_be_alerted_while_the_notifier_is_down(steady_env: SteadyPaths) -> None:
    write_oncall(steady_env.oncall_file, ONCALL)
    status.beat(time.time() - 10 * status.STALE_AFTER_SECONDS)
    _, dispatcher = run_action(ActionEscalate(), tracker(message("i want to die", "risk", 1.0)))
    assert responses(dispatcher)[0] == "utter_counselor_recorded"
    _, dispatcher = run_action(ActionRequestCounselor(), tracker(message("ask a counselor", "request_counselor")))
    assert responses(dispatcher) == ["utter_counselor_request_recorded"]


def test_alerted_only_when_contacts_are_configured_and_the_notifier_is_alive(on_call: SteadyPaths) -> None:
    _, dispatcher = run_action(ActionEscalate(), tracker(message("i want to die", "risk", 1.0)))
    assert responses(dispatcher)[0] == "utter_counselor_notified"
    _, dispatcher = run_action(ActionRequestCounselor(), tracker(message("ask a counselor", "request_counselor")))
    assert responses(dispatcher) == ["utter_counselor_requested"]


def test_the_warning_names_why_nobody_will_be_alerted(steady_env: SteadyPaths) -> None:
    assert "no on-call contacts" in (status.alerting().warning() or "")
    write_oncall(steady_env.oncall_file, ONCALL)
    assert "notifier" in (status.alerting().warning() or "")
    status.beat()
    assert status.alerting().live and status.alerting().warning() is None


# ---------------------------------------------------------------- 2. the country


def country_said(code: str | None, slots: dict[str, Any] | None = None) -> list[str | None]:
    entities = [{"entity": "country", "value": code}] if code else []
    latest = message(code or "somewhere else", "inform_country", entities=entities)
    _, dispatcher = run_action(ActionCountryNoted(), tracker(latest, slots))
    return responses(dispatcher)


def test_somewhere_else_asks_the_person_to_type_their_country(steady_env: SteadyPaths) -> None:
    assert country_said(None) == ["utter_ask_country"]


def test_a_country_said_during_a_crisis_gets_its_numbers_at_once(steady_env: SteadyPaths) -> None:
    assert country_said("IN", {"risk_flag": True}) == ["utter_crisis_services"]
    assert country_said("IN") == ["utter_country_noted"], "outside a crisis, only thanks"


# ---------------------------------------------------------------- 4. a distress rating of 9 or 10


@pytest.mark.parametrize(("said", "acknowledged"), [("9", True), ("10", True), ("6", False)])
def test_a_check_in_rating_of_nine_or_ten_is_acknowledged_with_a_person_offered(
    steady_env: SteadyPaths, said: str, acknowledged: bool
) -> None:
    from actions.conversation import ActionCheckin

    latest = message(said, "inform_rating", entities=[{"entity": "number", "value": said}])
    _, dispatcher = run_action(ActionCheckin(), tracker(latest, {"introduced": True}))
    [reply] = dispatcher.messages
    assert (f"A {said} out of 10 is a lot" in reply["text"]) is acknowledged
    assert reply["buttons"][-1]["title"] == "Talk to a person"


def test_yes_to_the_direct_question_about_an_imminent_message_gets_the_imminent_message_first(
    steady_env: SteadyPaths,
) -> None:
    text = "took all my tablets"
    suspected = message(text, "risk_check", 1.0, risk=detected(text, "imminent", "unspecified"))
    current = tracker(message("yes", "affirm"))
    current.events.insert(0, {"event": "user", "text": text, "parse_data": suspected, "message_id": "m0"})
    events, dispatcher = run_action(ActionEscalate(), current)
    assert responses(dispatcher)[0] == "utter_crisis_imminent"
    assert slot_events(events)["crisis_stage"] == "safety_asked" and escalation().severity == "imminent"
