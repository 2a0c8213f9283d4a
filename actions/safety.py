"""After risk language: record the escalation, screen with the C-SSRS questions, and grade.

The crisis resources themselves are sent by the Rasa server (utter_crisis_resources, or
utter_crisis_imminent when the detector graded the message imminent, from a rule) before any of
these actions run, so they reach the person even if this server is down.

Steady says a counselor was alerted only when on-call contacts are configured and the notifier is
alive (bot/escalation/status.py); otherwise it says the conversation is recorded for the console.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    back_after_rejection,
    cleared_run,
    conversation_is_flagged,
    entity_value,
    log_abandoned,
    menu_buttons,
    who,
)
from bot import screening
from bot.db import session_scope
from bot.escalation.records import ASKED_FOR_PERSON, SCREENER, record_risk, update_cssrs
from bot.escalation.status import alerting
from bot.risk.model import MODEL_CATEGORY, MODEL_SEVERITY, RiskAssessment, severity_rank

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectedRisk:
    category: str  # one of bot.escalation.records.ESCALATION_CATEGORIES
    severity: str
    spans: list[dict[str, Any]]


def detected_risk(message: dict[str, Any]) -> DetectedRisk:
    """What the risk detector put on the message; the model alone counts as moderate."""
    assessment = RiskAssessment.of_message(message)
    spans = [{**hit.to_dict(), "message_id": message.get("message_id")} for hit in assessment.hits]
    category = assessment.categories[0] if assessment.categories else MODEL_CATEGORY
    return DetectedRisk(category, assessment.severity or MODEL_SEVERITY, spans)


def risk_message(tracker: Tracker) -> dict[str, Any]:
    """The message to escalate on: the latest one, or, when that is a "yes" to Steady's direct
    question, the earlier message in which risk was suspected."""
    latest = tracker.latest_message
    if RiskAssessment.of_message(latest).is_risk:
        return latest
    for event in reversed(tracker.events[-20:]):
        parsed = event.get("parse_data") or {} if event.get("event") == "user" else {}
        if RiskAssessment.of_message(parsed).is_risk:
            return {**parsed, "message_id": event.get("message_id")}
    return latest


def save_escalation(tracker: Tracker, risk: DetectedRisk, cssrs: dict[str, Any] | None = None) -> bool:
    """Write (or update) the escalation record; False if the database could not be reached."""
    person = who(tracker)
    try:
        with session_scope() as session:
            record_risk(
                session,
                pseudonym=person.pseudonym,
                conversation_id=tracker.sender_id,
                channel=person.channel,
                category=risk.category,
                severity=risk.severity,
                spans=risk.spans,
                cssrs=cssrs,
            )
    except (SQLAlchemyError, ValueError):
        logger.exception("Could not record an escalation for a conversation")
        return False
    return True


def counselor_status(dispatcher: CollectingDispatcher, recorded: bool, asked: bool = False) -> None:
    """Tell the person only what is true: alerted, recorded for the console, or not reachable."""
    if not recorded:
        dispatcher.utter_message(response="utter_counselor_unavailable")
    elif alerting().live:
        dispatcher.utter_message(response="utter_counselor_requested" if asked else "utter_counselor_notified")
    else:
        dispatcher.utter_message(response="utter_counselor_request_recorded" if asked else "utter_counselor_recorded")


def disclosed_answers(tracker: Tracker, message: dict[str, Any]) -> dict[str, str]:
    """Screener answers the disclosure already gave, for questions not yet answered (none once screened)."""
    if tracker.get_slot("cssrs_status") == "done":
        return {}
    answered = screening.answered_by_disclosure(str(message.get("text") or ""))
    known = cssrs_answers(tracker)
    return {question: answer for question, answer in answered.items() if known.get(question) is None}


def interrupted_exercise(tracker: Tracker) -> list[EventType]:
    """Log an exercise cut short by risk, and clear its state."""
    return cleared_run() if log_abandoned(tracker, "interrupted_by_risk") else []


def crisis_events(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    risk: DetectedRisk,
    start_screening: bool = False,
    disclosed: dict[str, str] | None = None,
) -> list[EventType]:
    """Record the escalation, tell the person honestly whether counselors were alerted, flag the conversation.

    start_screening: begin the C-SSRS questions from here (where no risk rule will do it).
    disclosed: screener answers the person's own words gave (recorded, and not asked again).
    """
    counselor_status(dispatcher, save_escalation(tracker, risk, cssrs=disclosed or None))
    severity = max([risk.severity, tracker.get_slot("risk_severity") or "low"], key=severity_rank)
    events: list[EventType] = [SlotSet("risk_flag", True), SlotSet("risk_severity", severity)]
    if risk.severity == "imminent":
        # No questionnaire in danger right now: the imminent message asked whether they are safe.
        return [*events, SlotSet("cssrs_status", "done")]
    screened = tracker.get_slot("cssrs_status") == "done"
    events.append(SlotSet("cssrs_status", "done" if screened else "needed"))
    if start_screening and not screened:
        events.append(FollowupAction("cssrs_form"))
    return events


class ActionEscalate(Action):
    """Records the escalation. Danger right now gets the imminent message first when no rule sent
    it (a "yes" to the direct question about a message graded imminent)."""

    imminent_message_sent = False

    def name(self) -> str:
        return "action_escalate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = risk_message(tracker)
        disclosed = disclosed_answers(tracker, message)
        answers = [SlotSet(screening.slot_name(question), answer) for question, answer in disclosed.items()]
        risk = detected_risk(message)
        imminent = risk.severity == "imminent"
        if imminent and not self.imminent_message_sent:
            dispatcher.utter_message(response="utter_crisis_imminent")
        escalated = crisis_events(dispatcher, tracker, risk, disclosed=disclosed)
        if "wish_dead" in disclosed and not imminent:  # the first question's intro was skipped
            dispatcher.utter_message(response="utter_cssrs_intro")
        stage = [SlotSet("crisis_stage", "safety_asked")] if imminent else []
        return [*interrupted_exercise(tracker), *answers, *escalated, *stage]


class ActionEscalateImminent(ActionEscalate):
    """After the imminent message: escalate, and take the next yes or no as the answer to
    "have you taken anything or hurt yourself?" (action_imminent_answer)."""

    imminent_message_sent = True

    def name(self) -> str:
        return "action_escalate_imminent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        return [*events, SlotSet("cssrs_status", "done"), SlotSet("crisis_stage", "safety_asked")]


def cssrs_answers(tracker: Tracker) -> dict[str, str | None]:
    """Screener answers already read; a raw, not yet validated reply counts as unanswered."""
    answers = {question: tracker.get_slot(screening.slot_name(question)) for question in screening.QUESTIONS}
    return {question: value if value in screening.MEANINGS else None for question, value in answers.items()}


def says_where_they_are(tracker: Tracker) -> bool:
    """The message names the person's country (a crisis reply may have just asked): not a screener answer."""
    if back_after_rejection(tracker, "cssrs_form"):  # back after the country was noted: ask again
        return False
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return intent == "inform_country" and bool(entity_value(tracker, "country"))


class ValidateCssrsForm(FormValidationAction):
    """Asks only the screener questions the earlier answers make relevant, one at a time.

    Every question's slot is read by `answer` (validate_cssrs_wish_dead ... are set below the class)."""

    def name(self) -> str:
        return "validate_cssrs_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if says_where_they_are(tracker):  # "argentina" after a crisis reply asked: the rules note it, then go on
            return [ActionExecutionRejected("cssrs_form")]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return [screening.slot_name(question) for question in screening.next_questions(cssrs_answers(tracker))]

    @staticmethod
    def answer(question: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """One answer: yes/no/declined, or one gentle re-ask when it is unclear, then unclear."""
        message = tracker.latest_message
        has_risk = RiskAssessment.of_message(message).is_risk
        if has_risk:
            save_escalation(tracker, detected_risk(message))
        meaning = screening.interpret(str(value or ""), (message.get("intent") or {}).get("name"), has_risk)
        slot = screening.slot_name(question)
        if meaning == screening.UNCLEAR and tracker.get_slot("cssrs_retry") != question:
            dispatcher.utter_message(response="utter_cssrs_unclear")
            return {slot: None, "cssrs_retry": question}
        answers = {**cssrs_answers(tracker), question: meaning}
        if meaning == screening.DECLINED:
            answers.update({later: screening.DECLINED for later in screening.next_questions(answers)})
        return {**{screening.slot_name(q): a for q, a in answers.items() if a}, "cssrs_retry": None}


def _validator(question: str) -> Callable[..., dict[str, Any]]:
    def validate(
        form: ValidateCssrsForm, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return form.answer(question, value, dispatcher, tracker)

    return validate


for _question in screening.QUESTIONS:  # Rasa's form calls validate_<slot> for each slot it fills
    setattr(ValidateCssrsForm, f"validate_{screening.slot_name(_question)}", _validator(_question))


class ActionCssrsResult(Action):
    """Grades the screener, updates the escalation and says what happens next."""

    def name(self) -> str:
        return "action_cssrs_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answers = cssrs_answers(tracker)
        severity = screening.grade(answers, tracker.get_slot("risk_severity"))
        try:
            with session_scope() as session:
                if update_cssrs(session, tracker.sender_id, answers, severity) is None:
                    raise LookupError("no open escalation")
        except (SQLAlchemyError, LookupError, ValueError):
            logger.exception("Could not store screener answers; recording them with a new escalation")
            save_escalation(tracker, DetectedRisk(SCREENER, severity, []), cssrs=answers)
        events = [SlotSet("risk_severity", severity), SlotSet("cssrs_status", "done")]
        if severity == "imminent":
            dispatcher.utter_message(response="utter_crisis_imminent")
            return [*events, SlotSet("crisis_stage", "safety_asked")]
        dispatcher.utter_message(response="utter_after_screening", buttons=menu_buttons()[-1:])
        return events


class ActionRequestCounselor(Action):
    """The person asked for a human: the counselor queue gets the conversation."""

    def name(self) -> str:
        return "action_request_counselor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        severity = tracker.get_slot("risk_severity") or "low"
        recorded = save_escalation(tracker, DetectedRisk(ASKED_FOR_PERSON, severity, []))
        counselor_status(dispatcher, recorded, asked=True)
        return interrupted_exercise(tracker)


# Replies that show services and may have asked where the person is.
ASKED_COUNTRY = frozenset(
    {"utter_crisis_resources", "utter_crisis_imminent", "utter_human_resources", "utter_risk_check",
     "utter_crisis_services", "utter_ask_country", "action_escalate", "action_cssrs_result"}
)


def recently_asked_country(tracker: Tracker, within: int = 12) -> bool:
    recent = tracker.events[-within:]
    return any(event.get("name") in ASKED_COUNTRY for event in recent if event.get("event") == "action")


class ActionCountryNoted(Action):
    """The person said where they are (or tapped "Somewhere else"): their services at once, then the
    question of a running screener or exercise again (a country typed there is not its answer)."""

    def name(self) -> str:
        return "action_country_noted"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not entity_value(tracker, "country"):
            dispatcher.utter_message(response="utter_ask_country")
            return []
        flagged = tracker.get_slot("risk_flag") or conversation_is_flagged(tracker.sender_id)
        if flagged or recently_asked_country(tracker):
            dispatcher.utter_message(response="utter_crisis_services")
        else:
            dispatcher.utter_message(response="utter_country_noted")
        form = (tracker.active_loop or {}).get("name")
        return [FollowupAction(form)] if form else []  # the screener's (or a step's) question comes back


class ActionImminentAnswer(Action):
    """The answer to "have you taken anything or hurt yourself?" after the imminent message."""

    def name(self) -> str:
        return "action_imminent_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        taken = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        dispatcher.utter_message(response="utter_imminent_taken" if taken else "utter_imminent_not_taken")
        try:
            with session_scope() as session:
                answer = {"taken_or_hurt": screening.YES if taken else screening.NO}
                update_cssrs(session, tracker.sender_id, answer, "imminent")
        except (SQLAlchemyError, ValueError):
            logger.exception("Could not store the answer to the imminent safety question")
        return [SlotSet("crisis_stage", None)]
