"""Small helpers every action module shares: who is talking, and sending engine messages."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import usage
from bot.db import session_scope
from bot.escalation.records import open_escalation_for
from bot.exercises import Engine, Exercise, RunState, load_common, offered_exercises
from bot.exercises.state import RUN_SLOTS, SLOT_OF
from bot.payloads import intent_payload

logger = logging.getLogger(__name__)


def cleared_run() -> list[EventType]:
    """The exercise engine's state in slots (bot.exercises.RunState), and its status, emptied."""
    return [SlotSet(name, None) for name in RUN_SLOTS]


def log_abandoned(tracker: Tracker, step: str) -> bool:
    """Log the running exercise as left at `step`; False when no exercise was running."""
    run_id = tracker.get_slot(SLOT_OF["run_id"])
    if not run_id:
        return False
    log_usage(tracker, "abandon", exercise=tracker.get_slot(SLOT_OF["exercise_id"]), run_id=run_id, step=step)
    return True


def who(tracker: Tracker) -> usage.Who:
    return usage.Who.from_sender(tracker.sender_id, tracker.get_latest_input_channel())


def log_usage(tracker: Tracker, kind: str, **fields: Any) -> None:
    """Record usage without ever breaking the conversation if the database is unavailable."""
    try:
        usage.record(who(tracker), kind, **fields)
    except SQLAlchemyError:
        logger.exception("Could not write a %s usage row; the conversation goes on", kind)


def say(dispatcher: CollectingDispatcher, message: dict[str, Any]) -> None:
    """Send one engine message (text, optional buttons, optional custom payload)."""
    dispatcher.utter_message(
        text=message.get("text"),
        buttons=message.get("buttons") or None,
        json_message=message.get("custom"),
    )


def exercise_button(exercise: Exercise) -> dict[str, str]:
    return {"title": exercise.title, "payload": intent_payload("request_exercise", {"exercise": exercise.id})}


MAX_SUGGESTIONS = 4


def menu_order(first: list[str] | tuple[str, ...] | None = None, leave_out: str = "") -> list[str]:
    """Every offered exercise id, the suggested ones first (without one just done)."""
    exercises = offered_exercises()
    order = dict.fromkeys([*(first or []), *sorted(exercises)])
    return [name for name in order if name in exercises and name != leave_out]


def offer(
    dispatcher: CollectingDispatcher,
    text: str,
    first: list[str] | tuple[str, ...] | None = None,
    every: bool = False,
    limit: int = MAX_SUGGESTIONS,
    leave_out: str = "",
) -> list[EventType]:
    """Say `text` with exercise buttons, and remember what was offered ("the first one", "yes")."""
    buttons = menu_buttons(first, every, limit, leave_out)
    dispatcher.utter_message(text=text, buttons=buttons)
    order = menu_order(first, leave_out)
    return [SlotSet("offered_exercises", order if every else order[:limit])]


def menu_buttons(
    first: list[str] | tuple[str, ...] | None = None,
    every: bool = False,
    limit: int = MAX_SUGGESTIONS,
    leave_out: str = "",
) -> list[dict[str, str]]:
    """A few exercises as buttons, the suggested ones first, a way to see the rest ("More") and a
    way to reach a person. `every` lists them all (the full menu)."""
    exercises = offered_exercises()
    order = menu_order(first, leave_out)
    shown = order if every else order[:limit]
    buttons = [exercise_button(exercises[name]) for name in shown]
    titles = load_common()
    if len(shown) < len(order):
        buttons.append({"title": titles.lines("menu_buttons", "more")[0], "payload": "/show_menu"})
    return [*buttons, {"title": titles.lines("menu_buttons", "person")[0], "payload": "/request_human"}]


def start_run(
    dispatcher: CollectingDispatcher, tracker: Tracker, exercise: Exercise, answers: dict[str, Any] | None = None
) -> list[EventType]:
    """Begin a run of a script: logged, its intro said, its state in slots; exercise_form asks the rest.
    `answers` are earlier words the script may quote (a follow-up quotes the person's plan)."""
    state = RunState(exercise.id, str(uuid.uuid4()), answers=dict(answers or {}))
    log_usage(tracker, "start", exercise=exercise.id, run_id=state.run_id)
    dispatcher.utter_message(text=Engine(exercise).intro(state))
    slots = [SlotSet(name, value) for name, value in state.as_slots().items()]
    return [*slots, SlotSet("exercise_status", "running"), SlotSet("exercise_answer", None)]


def entity_value(tracker: Tracker, entity: str) -> str | None:
    return next(tracker.get_latest_entity_values(entity), None)


def conversation_is_flagged(sender_id: str) -> bool:
    """An open escalation keeps a conversation flagged across sessions and fresh starts."""
    try:
        with session_scope() as session:
            return open_escalation_for(session, sender_id) is not None
    except SQLAlchemyError:
        logger.exception("Could not check for an open escalation")
        return False


def back_after_rejection(tracker: Tracker, form: str) -> bool:
    """The form already stepped aside for this message (the rules answered it) and now runs again
    to ask its question: the message must not be read, or rejected, a second time."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action_execution_rejected" and event.get("name") == form:
            return True
    return False
