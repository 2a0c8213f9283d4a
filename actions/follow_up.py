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


def due_follow_up(tracker: Tracker) -> tuple[Exercise, dict[str, Any]] | None:
    """The follow-up to run now: one set in an earlier session (the person has come back). Not while
    the conversation is flagged for risk: then the hello gets the usual gentle check-in instead."""
    pending = tracker.get_slot("pending_follow_up")
    if not isinstance(pending, dict) or tracker.get_slot("risk_flag"):
        return None
    exercise = get_exercise(str(pending.get("exercise") or ""))
    started = session_started_at(tracker)
    set_at = float(pending.get("set_at") or 0)
    if exercise is None or started is None or set_at >= started:
        return None
    return exercise, dict(pending.get("answers") or {})


def follow_up_to_start(tracker: Tracker, wanted: str) -> tuple[Exercise, dict[str, Any]] | None:
    """A hidden follow-up asked for by its button: only the one pending for this person."""
    pending = tracker.get_slot("pending_follow_up")
    if not wanted or not isinstance(pending, dict) or pending.get("exercise") != wanted:
        return None
    exercise = get_exercise(wanted)
    return (exercise, dict(pending.get("answers") or {})) if exercise is not None else None
