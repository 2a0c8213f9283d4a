"""Running a guided exercise: start, one form that asks every step, finish, and showing results again.

All wording and steps come from bot/content/exercises/*.yml through bot.exercises.Engine.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    back_after_rejection,
    cleared_run,
    entity_value,
    log_usage,
    menu_buttons,
    offer,
    say,
    start_run,
)
from actions.conversation import introduce_if_needed
from actions.follow_up import follow_up_to_start, pending_follow_up, start_follow_up
from actions.safety import DetectedRisk, crisis_events
from bot import payloads
from bot.exercises import Engine, Exercise, Outcome, RunState, get_exercise, load_common, offered_exercises, pick
from bot.exercises.answers import match_exercise
from bot.exercises.listening import reads_as_request
from bot.exercises.state import EARLIER, public

ENDED_BY = {None: "completed", "stop": "stopped", "switch": "switched", "risk": "interrupted"}


def current_run(tracker: Tracker) -> tuple[RunState, Engine] | None:
    state = RunState.from_slots(tracker.slots)
    exercise = get_exercise(state.exercise_id) if state else None
    if state is None or exercise is None:
        return None
    return state, Engine(exercise)


class ActionStartExercise(Action):
    def name(self) -> str:
        return "action_start_exercise"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = introduce_if_needed(dispatcher, tracker)
        wanted = entity_value(tracker, "exercise") or ""
        follow_up = follow_up_to_start(tracker, wanted)
        if follow_up is not None:
            return [*events, *start_follow_up(dispatcher, tracker, follow_up)]
        exercise = offered_exercises().get(wanted) or meant_exercise(tracker)
        if exercise is None:
            line = pick(load_common().lines("menu_prompt"), f"{tracker.sender_id}:{len(tracker.events)}")
            offered = offer(dispatcher, line)
            return [*events, *offered, *cleared_run(), SlotSet("exercise_status", "not_started")]
        earlier = said_before(tracker)
        started = start_run(dispatcher, tracker, exercise, {EARLIER: earlier} if earlier else None)
        return [*events, SlotSet("offered_exercises", None), *started]


EARLIER_WORDS = 4  # a message this long that said how the person feels may be what the first step asks


def said_before(tracker: Tracker) -> str | None:
    """What the person said about how they feel just before asking for the exercise (within their last
    three messages), so a step that asks for it can offer it back instead of asking again."""
    said = [event for event in tracker.events if event.get("event") == "user"][-4:-1]
    for event in reversed(said):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        text = str(event.get("text") or "")
        if intent.startswith("mood_") and intent != "mood_okay" and len(text.split()) >= EARLIER_WORDS:
            return text
    return None


def meant_exercise(tracker: Tracker) -> Exercise | None:
    """The exercise the person means when the classifier found no name: "yes" to a suggestion is the
    first one offered; "the first one", "box i guess", "the setback one" are matched by their words."""
    exercises = offered_exercises()
    offered = [exercises[name] for name in tracker.get_slot("offered_exercises") or [] if name in exercises]
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "affirm" and offered:
        return offered[0]
    text = tracker.latest_message.get("text") or ""
    name = match_exercise(text, offered) or match_exercise(text, list(exercises.values()))
    return exercises.get(name or "")


def log_outcome(tracker: Tracker, state: RunState, outcome: Outcome) -> None:
    for entry in outcome.logs:
        log_usage(tracker, entry.kind, exercise=state.exercise_id, run_id=state.run_id, step=entry.step,
                  value=entry.value, phase=entry.phase, choice=entry.choice)


class ValidateExerciseForm(FormValidationAction):
    """Turns each answer into the next step; the form keeps asking until the engine is done."""

    def name(self) -> str:
        return "validate_exercise_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        running = tracker.get_slot("exercise_status") == "running" and current_run(tracker)
        return ["exercise_answer"] if running else []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if asks_to_leave_the_step(tracker):  # the form is rejected: the rules answer, then ask the step again
            # Rasa already copied the message into the answer slot; left filled, the form would count the
            # step as answered when it comes back, and end (seen over REST after "can i talk to a person")
            return [SlotSet("exercise_answer", None), ActionExecutionRejected("exercise_form")]
        return await super().run(dispatcher, tracker, domain)

    def validate_exercise_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # the form just started: the message that started it is not an answer
            return {"exercise_answer": None}
        run = current_run(tracker)
        if run is None:
            return {"exercise_answer": None, "exercise_status": None}
        if is_earlier_button(tracker, str(value)):  # asked again, never saved as the answer
            dispatcher.utter_message(**earlier_button_reply(tracker, run[1].exercise.title))
            return {"exercise_answer": None}
        return take_answer(dispatcher, tracker, *run, str(value))


# Buttons the engine answers itself inside a step ("Stop here", "Something else", "Skip").
STEP_BUTTON_INTENTS = frozenset(["stop", "goodbye", "show_menu", "skip"])


def is_earlier_button(tracker: Tracker, text: str) -> bool:
    """A button tapped on an earlier message ("No" under the counselor offer, an old suggestion): it is
    not an answer to this step. The step's own buttons send plain words, never "/"."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return text.startswith("/") and intent not in STEP_BUTTON_INTENTS


def earlier_button_reply(tracker: Tracker, exercise_title: str) -> dict[str, Any]:
    """"No" to the counselor offer is acknowledged as such; any other old button is explained."""
    if (tracker.latest_message.get("intent") or {}).get("name") == "deny" and offered_a_counselor(tracker):
        return {"response": "utter_counselor_not_asked"}
    line = pick(load_common().lines("listening", "earlier_button"), tracker.sender_id)
    return {"text": line.format(exercise=exercise_title)}


def offered_a_counselor(tracker: Tracker) -> bool:
    """Steady's recent turns, those whose buttons the channels accept, offered to ask a counselor."""
    return "/request_counselor" in payloads.offered_buttons(tracker.events)


def asks_to_leave_the_step(tracker: Tracker) -> bool:
    """A request for a person, a fresh start or "are you a bot?" typed at a step (not an answer that
    sounds like one: bot/exercises/listening.py decides)."""
    if tracker.get_slot("requested_slot") != "exercise_answer" or not current_run(tracker):
        return False
    if back_after_rejection(tracker, "exercise_form"):  # back after the rules answered: ask the step again
        return False
    intent = tracker.latest_message.get("intent") or {}
    text = tracker.latest_message.get("text") or ""
    return reads_as_request(text, intent.get("name"), float(intent.get("confidence") or 0))


def take_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, state: RunState, engine: Engine, text: str
) -> dict[str, Any]:
    """Take `text` as the answer to the current step: say what the engine says, log it, and return
    the slots of the run. The one way in for an answer (the form, or a turn handed back to it)."""
    intent = tracker.latest_message.get("intent") or {}
    outcome = engine.answer(state, text, intent.get("name"), float(intent.get("confidence") or 0))
    for message in outcome.messages:
        say(dispatcher, message)
    log_outcome(tracker, state, outcome)
    status = ENDED_BY[outcome.ended_by] if outcome.finished else "running"
    return {**state.as_slots(), "exercise_answer": None, "exercise_status": status}


class ActionAskExerciseAnswer(Action):
    def name(self) -> str:
        return "action_ask_exercise_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        run = current_run(tracker)
        if run is not None:
            state, engine = run
            for message in engine.prompt(state):
                say(dispatcher, message)
        return []


class ActionFinishExercise(Action):
    """Closes a run after the form ends: completed, stopped or switched."""

    def name(self) -> str:
        return "action_finish_exercise"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        run = current_run(tracker)
        status = tracker.get_slot("exercise_status")
        if run is None or status not in ENDED_BY.values():
            return cleared_run()
        state, engine = run
        seed = f"{state.run_id}:finish"
        if status == "completed":
            log_usage(tracker, "complete", exercise=state.exercise_id, run_id=state.run_id)
            if engine.exercise.summary_template:  # the result, as a workbook page
                dispatcher.utter_message(text=engine.summary(state.answers))
            offered = offer(dispatcher, engine.closing(state), engine.exercise.offer_next, leave_out=state.exercise_id)
            return [
                *cleared_run(),
                *offered,
                *saved_result(tracker, engine, state),
                *pending_follow_up(engine.exercise, state),
            ]
        step = engine.steps[min(state.step_index, len(engine.steps) - 1)].id
        log_usage(tracker, "abandon", exercise=state.exercise_id, run_id=state.run_id, step=step)
        if status == "interrupted":  # an answer in the script meant risk: help comes first
            dispatcher.utter_message(response="utter_crisis_resources")
            risk = DetectedRisk("passive_ideation", "moderate", [{"rule": f"exercise:{state.exercise_id}.{step}"}])
            return [*cleared_run(), *crisis_events(dispatcher, tracker, risk, start_screening=True)]
        common = load_common()
        line = pick(common.lines("stopped" if status == "stopped" else "menu_prompt"), seed)
        return [*cleared_run(), *offer(dispatcher, line)]


def saved_result(tracker: Tracker, engine: Engine, state: RunState) -> list[EventType]:
    """Keep a thought record or a plan so the person can see it again later."""
    if not engine.exercise.summary_template:
        return []
    saved = dict(tracker.get_slot("last_results") or {})
    saved[state.exercise_id] = public(state.answers)
    saved["_latest"] = state.exercise_id
    return [SlotSet("last_results", saved)]


class ActionShowLastResult(Action):
    def name(self) -> str:
        return "action_show_last_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        saved = tracker.get_slot("last_results") or {}
        wanted = entity_value(tracker, "exercise") or saved.get("_latest")
        exercise = get_exercise(wanted or "")
        if exercise is None or wanted not in saved:
            dispatcher.utter_message(response="utter_no_saved_result", buttons=menu_buttons(_with_summary()))
            return []
        dispatcher.utter_message(text=Engine(exercise).summary(saved[wanted]), buttons=menu_buttons())
        return []


def _with_summary() -> list[str]:
    return [name for name, exercise in sorted(offered_exercises().items()) if exercise.summary_template]
