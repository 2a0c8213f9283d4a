"""Where a suspected risk message came: the dialogue knows what the NLU component cannot.

The risk component (bot/risk/component.py) sees one message at a time. When it suspects risk but
the rules did not fire (intent `risk_check`) while an exercise is running, data/rules/safety.yml
runs action_weigh_risk_in_exercise instead of asking at once. With the score on the message
(latest_message["risk"]["score"]) and the exercise thresholds (bot/risk/decision.py) it either
  - asks: sets risk_context_decision "ask"; the rule then ends the exercise form and asks directly
    (utter_risk_check), or
  - takes the message as the person's answer to the current step (a grounding list such as
    "screen, keyboard, coffee cup, sticky notes, window"): the engine replies as it would to any
    answer, risk_context_decision "answer", and the rule hands the turn back to exercise_form.
Rule fires and very high scores arrive as intent `risk` and interrupt the exercise as before.
A step that asks about risk itself (`asks_about_risk`, seek_help's not_alive) takes a yes-type answer
("yeah, most days") as a disclosure: the engine ends the run and help comes first, whatever the score.

After a "no" to the direct question, action_offer_to_carry_on offers to go back to the exercise
the question interrupted; action_resume_exercise picks it up at the same step.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import menu_buttons
from actions.exercise import current_run, take_answer
from bot.exercises import load_common, pick
from bot.risk.decision import ANSWER, ASK, Thresholds, decide_in_exercise, imminent_answer
from bot.risk.disclosure import affirms
from bot.risk.model import RiskAssessment

DECISION_SLOT = "risk_context_decision"


def interrupted_run(tracker: Tracker) -> bool:
    """An exercise was running when Steady stopped it to ask, and can carry on."""
    return tracker.get_slot("exercise_status") == "running" and current_run(tracker) is not None


def answers_yes_to_risk_question(tracker: Tracker, text: str) -> bool:
    """The current step asks about risk itself (`asks_about_risk`) and the message is a yes-type answer."""
    run = current_run(tracker)
    if run is None:
        return False
    state, engine = run
    step = engine.steps[min(state.step_index, len(engine.steps) - 1)]
    return step.asks_about_risk and affirms(text)


class ActionWeighRiskInExercise(Action):
    def name(self) -> str:
        return "action_weigh_risk_in_exercise"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        score = RiskAssessment.of_message(tracker.latest_message).score
        text = tracker.latest_message.get("text") or ""
        discloses = answers_yes_to_risk_question(tracker, text)
        decision = decide_in_exercise(ASK, score, Thresholds.load(), discloses=discloses,
                                      imminent_words=imminent_answer(text))
        run = current_run(tracker)
        if decision == ASK or run is None:
            return [SlotSet(DECISION_SLOT, ASK)]
        # the engine takes the answer; a yes to a step that asks about risk ends the run as "interrupted",
        # and action_finish_exercise puts help first
        slots = take_answer(dispatcher, tracker, *run, text)
        # no empty answer for the form to re-validate
        kept = {name: value for name, value in slots.items() if name != "exercise_answer"}
        return [*(SlotSet(name, value) for name, value in kept.items()), SlotSet(DECISION_SLOT, ANSWER)]


class ActionOfferToCarryOn(Action):
    def name(self) -> str:
        return "action_offer_to_carry_on"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        run = current_run(tracker)
        if interrupted_run(tracker) and run is not None:
            dispatcher.utter_message(response="utter_offer_carry_on", exercise_title=run[1].exercise.title)
        return []


class ActionResumeExercise(Action):
    def name(self) -> str:
        return "action_resume_exercise"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not interrupted_run(tracker):
            line = pick(load_common().lines("menu_prompt"), f"{tracker.sender_id}:{len(tracker.events)}")
            dispatcher.utter_message(text=line, buttons=menu_buttons())
            return [SlotSet("exercise_status", "not_started")]
        dispatcher.utter_message(response="utter_carry_on")
        return [SlotSet("exercise_status", "running"), SlotSet("exercise_answer", None)]
