"""Safety actions with real Trackers: escalation records, the screener form, grading, asking for a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.safety import (
    ActionCountryNoted,
    ActionCssrsResult,
    ActionEscalate,
    ActionRequestCounselor,
    ValidateCssrsForm,
)
from bot.db import Escalation, UsageEvent, session_scope
from bot.pseudonym import pseudonymise
from tests.support.trackers import from_fixture, message, run_action, slot_events, tracker


def escalations() -> list[Escalation]:
    with session_scope() as session:
        rows = session.query(Escalation).order_by(Escalation.id).all()
        session.expunge_all()
    return rows


def test_risk_mid_exercise_records_an_escalation_and_abandons_the_exercise(steady_env: Any) -> None:
    events, dispatcher = run_action(ActionEscalate(), from_fixture("risk_mid_grounding"))
    [escalation] = escalations()
    assert escalation.conversation_id == "tg-4242" and escalation.pseudonym == pseudonymise("tg-4242")
    assert (escalation.channel, escalation.category, escalation.severity) == ("telegram", "passive_ideation", "low")
    assert escalation.spans[0]["text"] == "everyone would be better off without me"
    assert dispatcher.messages[0]["response"] == "utter_counselor_recorded", "no on-call file: nobody was alerted"
    slots = slot_events(events)
    assert slots["risk_flag"] is True and slots["cssrs_status"] == "needed" and slots["exercise"] is None
    with session_scope() as session:
        abandon = session.query(UsageEvent).one()
        assert (abandon.kind, abandon.exercise, abandon.step) == ("abandon", "grounding", "interrupted_by_risk")


def test_repeated_risk_updates_the_open_escalation(steady_env: Any) -> None:
    run_action(ActionEscalate(), from_fixture("risk_mid_grounding"))
    again = message(
        "i wrote goodbye letters",
        "risk",
        risk={
            "hits": [
                {
                    "category": "plan_intent",
                    "severity": "high",
                    "start": 2,
                    "end": 23,
                    "text": "wrote goodbye letters",
                    "rule": "prep",
                }
            ],
            "severity": "high",
            "categories": ["plan_intent"],
        },
    )
    events, _ = run_action(
        ActionEscalate(), tracker(again, {"cssrs_status": "done", "risk_severity": "low"}, sender="tg-4242")
    )
    [escalation] = escalations()
    assert escalation.risk_count == 2 and escalation.severity == "high" and len(escalation.spans) == 2
    assert slot_events(events)["cssrs_status"] == "done", "an already-screened person is not screened again"


def test_a_model_only_risk_prediction_still_escalates_as_moderate(steady_env: Any) -> None:
    run_action(ActionEscalate(), tracker(message("idk anymore", "risk", 0.7)))
    [escalation] = escalations()
    assert (escalation.category, escalation.severity) == ("unspecified", "moderate")


def screener_turn(
    slots: dict[str, Any], text: str, intent: str = "nlu_fallback", risk: dict | None = None
) -> tuple[dict[str, Any], CollectingDispatcher]:
    asked = slots["requested_slot"]
    current = tracker(
        message(text, intent, 0.9, risk=risk), {**slots, asked: text}, active_loop="cssrs_form", extracted={asked: text}
    )
    events, dispatcher = run_action(ValidateCssrsForm(), current)
    return {**slots, asked: text, **slot_events(events)}, dispatcher


def test_the_screener_asks_follow_ups_only_after_a_yes_and_reasks_unclear_answers_once(steady_env: Any) -> None:
    slots: dict[str, Any] = {"requested_slot": "cssrs_wish_dead", "cssrs_status": "needed"}
    slots, _ = screener_turn(slots, "yes", "affirm")
    assert slots["cssrs_wish_dead"] == "yes" and slots["requested_slot"] == "cssrs_thoughts"
    slots, dispatcher = screener_turn(slots, "what do you mean")
    assert dispatcher.messages[-1]["response"] == "utter_cssrs_unclear"
    assert slots["cssrs_thoughts"] is None and slots["requested_slot"] == "cssrs_thoughts"
    slots, _ = screener_turn(slots, "kind of")
    assert slots["cssrs_thoughts"] == "yes" and slots["requested_slot"] == "cssrs_method"
    slots, _ = screener_turn(slots, "no", "deny")
    slots, _ = screener_turn(slots, "i don't want to answer")
    assert slots["cssrs_intent"] == "declined" and slots["cssrs_plan"] == "declined"
    assert slots["requested_slot"] is None


def test_imminent_grade_urges_emergency_contact_and_offers_no_exercise(steady_env: Any) -> None:
    run_action(ActionEscalate(), tracker(message("i want to die", "risk", 1.0), sender="person-9"))
    answers = {
        "cssrs_wish_dead": "yes",
        "cssrs_thoughts": "yes",
        "cssrs_method": "yes",
        "cssrs_intent": "yes",
        "cssrs_plan": "yes",
        "cssrs_behaviour": "no",
    }
    events, dispatcher = run_action(ActionCssrsResult(), tracker(message("yes", "affirm"), answers, sender="person-9"))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_crisis_imminent"]
    assert not any(m.get("buttons") for m in dispatcher.messages)
    [escalation] = escalations()
    assert escalation.severity == "imminent" and escalation.cssrs["plan"] == "yes"
    assert slot_events(events)["risk_severity"] == "imminent"
    assert slot_events(events)["crisis_stage"] == "safety_asked", "the next yes or no answers 'taken anything?'"


def test_a_later_im_fine_does_not_clear_the_flag(steady_env: Any) -> None:
    run_action(ActionEscalate(), tracker(message("i want to die", "risk", 1.0), sender="person-3"))
    answers = {"cssrs_wish_dead": "no", "cssrs_thoughts": "no", "cssrs_behaviour": "no"}
    run_action(
        ActionCssrsResult(),
        tracker(message("im fine", "deny"), {**answers, "risk_severity": "moderate"}, sender="person-3"),
    )
    [escalation] = escalations()
    assert escalation.status == "open" and escalation.severity == "moderate"


def test_asking_for_a_person_reaches_the_counselor_queue(steady_env: Any) -> None:
    _, dispatcher = run_action(ActionRequestCounselor(), tracker(message("can i talk to a human", "request_human")))
    [escalation] = escalations()
    assert escalation.category == "asked_for_person" and escalation.status == "open"
    assert dispatcher.messages[-1]["response"] == "utter_counselor_request_recorded", "nobody is on call"


def test_yes_to_the_direct_question_escalates_on_the_message_that_raised_it(steady_env: Any) -> None:
    suspected = message("i feel like i am fading away", "risk_check", 0.7, risk={
        "hits": [{"category": "unspecified", "severity": "moderate", "start": 0, "end": 28,
                  "text": "i feel like i am fading away", "rule": "model:diet"}],
        "severity": "moderate", "categories": ["unspecified"]})  # fmt: skip
    current = tracker(message("yes", "affirm"))
    current.events.insert(0, {"event": "user", "text": suspected["text"], "parse_data": suspected,
                              "message_id": "m0"})  # fmt: skip
    run_action(ActionEscalate(), current)
    [escalation] = escalations()
    assert escalation.spans[0]["text"] == "i feel like i am fading away" and escalation.severity == "moderate"


def test_a_country_typed_during_the_screener_is_not_taken_as_an_answer(steady_env: Any) -> None:
    slots: dict[str, Any] = {"requested_slot": "cssrs_wish_dead", "cssrs_status": "needed"}
    country = [{"entity": "country", "value": "AR"}]
    asked = tracker(
        message("argentina", "inform_country", 0.49, entities=country),
        {**slots, "cssrs_wish_dead": "argentina"},
        active_loop="cssrs_form",
        extracted={"cssrs_wish_dead": "argentina"},
    )
    events, dispatcher = run_action(ValidateCssrsForm(), asked)
    assert [(e["event"], e["name"]) for e in events] == [("action_execution_rejected", "cssrs_form")]
    assert not dispatcher.messages, "the rules answer (the country's services), then the same question again"
    rejected = [{"event": "action_execution_rejected", "name": "cssrs_form"}]
    back = tracker(asked.latest_message, {**slots, "cssrs_wish_dead": None}, active_loop="cssrs_form")
    back.events += rejected
    events, _ = run_action(ValidateCssrsForm(), back)
    assert "action_execution_rejected" not in [e["event"] for e in events], "back after the country: ask again"
    slots, _ = screener_turn(slots, "no", "deny")
    assert slots["cssrs_wish_dead"] == "no", "the next message answers the question"


def test_the_screeners_question_comes_back_after_the_country_is_noted(steady_env: Any) -> None:
    said = message("im in ireland actually", "inform_country", 0.8, entities=[{"entity": "country", "value": "IE"}])
    events, dispatcher = run_action(ActionCountryNoted(), tracker(said, {"risk_flag": True}, active_loop="cssrs_form"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_crisis_services"]
    assert events == [{"event": "followup", "name": "cssrs_form", "timestamp": None}]
    events, _ = run_action(ActionCountryNoted(), tracker(said, {"risk_flag": True}))
    assert events == [], "outside a form nothing follows"
