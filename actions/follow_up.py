"""Follow-ups: a script to run when the person comes back after finishing another one.

After "One small goal" (bot/content/exercises/small_goal.yml, `follow_up: goal_review`) the plan
waits in the `pending_follow_up` slot. In a later session, the person's hello starts the follow-up
script, which quotes their own goal; it is asked once, whatever they answer, and never while the
conversation is flagged for risk.
"""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import start_run
from bot.exercises import Exercise, RunState, get_exercise


def pending_follow_up(finished: Exercise, state: RunState) -> list[EventType]:
    """Remember a completed script's follow-up, with the answers it may quote."""
    follow_up = get_exercise(finished.follow_up) if finished.follow_up else None
    answers = {key: value for key, value in state.answers.items() if isinstance(value, str) and value.strip()}
    if follow_up is None or not answers:
        return []
    pending = {"exercise": follow_up.id, "answers": answers, "from_run": state.run_id, "set_at": time.time()}
    return [SlotSet("pending_follow_up", pending)]


def session_started_at(tracker: Tracker) -> float | None:
    """When the current session began (the latest session_started event)."""
    starts = [event.get("timestamp") for event in tracker.events if event.get("event") == "session_started"]
    return float(starts[-1]) if starts and starts[-1] is not None else None


def _pending(tracker: Tracker) -> tuple[Exercise, dict[str, Any], float] | None:
    """The follow-up waiting in the slot: its script, the answers it quotes, when it was set."""
    pending = tracker.get_slot("pending_follow_up")
    if not isinstance(pending, dict):
        return None
    exercise = get_exercise(str(pending.get("exercise") or ""))
    if exercise is None:
        return None
    return exercise, dict(pending.get("answers") or {}), float(pending.get("set_at") or 0)


def due_follow_up(tracker: Tracker) -> tuple[Exercise, dict[str, Any]] | None:
    """The follow-up to run now: one set in an earlier session (the person has come back). Not while
    the conversation is flagged for risk: then the hello gets the usual gentle check-in instead."""
    pending = _pending(tracker)
    started = session_started_at(tracker)
    if pending is None or tracker.get_slot("risk_flag") or started is None or pending[2] >= started:
        return None
    return pending[0], pending[1]


def follow_up_to_start(tracker: Tracker, wanted: str) -> tuple[Exercise, dict[str, Any]] | None:
    """A hidden follow-up asked for by its button: only the one pending for this person."""
    pending = _pending(tracker)
    if not wanted or pending is None or pending[0].id != wanted:
        return None
    return pending[0], pending[1]


def pending_goal(tracker: Tracker) -> tuple[str, str] | None:
    """(follow-up script, the goal in the person's words) while a small goal waits to be asked about."""
    pending = _pending(tracker)
    goal = str(pending[1].get("goal") or "") if pending else ""
    return (pending[0].id, goal) if pending and goal else None


def start_follow_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, follow_up: tuple[Exercise, dict[str, Any]]
) -> list[EventType]:
    """Run the follow-up now; it is no longer pending, whatever the person answers."""
    exercise, answers = follow_up
    return [*start_run(dispatcher, tracker, exercise, answers), SlotSet("pending_follow_up", None)]
