"""'How have I been doing?': the person's own check-ins and ratings, as text and (widget) a chart."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import logger, menu_buttons, who
from actions.follow_up import pending_goal
from bot.db import utcnow
from bot.exercises import load_common, pick
from bot.payloads import intent_payload
from bot.progress import chart_payload, progress_for, progress_text


class ActionShowProgress(Action):
    def name(self) -> str:
        return "action_show_progress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        common = load_common()
        seed = f"{tracker.sender_id}:{len(tracker.events)}"
        try:
            progress = progress_for(who(tracker).pseudonym, utcnow())
        except SQLAlchemyError:
            logger.exception("Could not read the usage log for a progress summary")
            dispatcher.utter_message(text=pick(common.lines("progress", "unavailable"), seed), buttons=menu_buttons())
            return []
        goal = pending_goal(tracker)
        text = progress_text(progress, common, seed, goal=goal[1] if goal else None)
        buttons = menu_buttons([name for name, _ in progress.helped], limit=3 if goal else 4)
        if goal:
            payload = intent_payload("request_exercise", {"exercise": goal[0]})
            buttons = [{"title": common.raw["progress"]["goal_button"], "payload": payload}, *buttons]
        chart = chart_payload(progress, common, text) if progress.runs else None
        dispatcher.utter_message(text=text, buttons=buttons, json_message=chart)
        return []
