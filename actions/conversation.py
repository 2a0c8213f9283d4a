"""Greeting, check-in, suggestions and the exercise menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import cleared_run, entity_value, log_abandoned, log_usage, offer, who
from actions.follow_up import due_follow_up, start_follow_up
from bot import usage
from bot.crisis import high_distress_line
from bot.exercises import fill, load_common, normalise, offered_exercises, parse_number, pick
from bot.exercises.state import ANSWER_SLOT
from bot.payloads import intent_payload

# What a check-in intent says about how the person feels, as `suits` tags in the exercise files.
MOOD_TAGS = {
    "mood_anxious": "anxious",
    "mood_stuck_thought": "stuck_thought",
    "mood_problem": "problem",
    "mood_low": "low",
}
# A 0-10 check-in rating from here on suggests calming exercises first (bot/crisis.py HIGH_DISTRESS, 9,
# is where a person is offered).
CALMING_FIRST_FROM = 7


def country_guess(tracker: Tracker) -> list[EventType]:
    """The channel's guess at the person's country (from their language setting), kept apart from
    what they said (`country`): crisis replies name a guess so the person can correct it."""
    guess = (tracker.get_slot("session_started_metadata") or {}).get("country_guess")
    if tracker.get_slot("country") or tracker.get_slot("country_guess") or not guess:
        return []
    return [SlotSet("country_guess", str(guess).upper())]


def introduce_if_needed(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """First contact always says what Steady is, even when the person skips the hello."""
    if tracker.get_slot("introduced"):
        return country_guess(tracker)
    dispatcher.utter_message(response="utter_intro")
    return [SlotSet("introduced", True), *country_guess(tracker)]


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events = introduce_if_needed(dispatcher, tracker)
        follow_up = due_follow_up(tracker)
        if follow_up is not None:  # back after setting a small goal: ask how it went first
            return [*events, *start_follow_up(dispatcher, tracker, follow_up)]
        if not events:
            dispatcher.utter_message(response="utter_greet_again")
        dispatcher.utter_message(response="utter_ask_checkin")
        return [*events, SlotSet("exercise_status", None)]  # the rules tell this apart from a follow-up


def said_tag(text: str) -> str | None:
    """A feeling the person's own words name (panic, grief, feeling awful), from common.yml feelings."""
    said = f" {normalise(text)} "
    for tag, phrases in (load_common().raw.get("feelings") or {}).items():
        if any(f" {normalise(phrase)} " in said for phrase in phrases):
            return tag
    return None


def mood_tag(tracker: Tracker) -> tuple[str | None, float | None]:
    """The suits-tag for what the person said, and the 0-10 rating if they gave one."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    tag = said_tag(tracker.latest_message.get("text") or "")
    if tag:
        return tag, None
    if intent in MOOD_TAGS:
        return MOOD_TAGS[intent], None
    rating = parse_number(entity_value(tracker, "number") or tracker.latest_message.get("text") or "", 0, 10)
    if rating is not None and rating >= CALMING_FIRST_FROM:
        return "anxious", float(rating)
    return None, None if rating is None else float(rating)


def suggested_exercises(tag: str | None, helped: list[str]) -> list[str]:
    """Exercises that fit how the person feels: those that helped them before first, then those whose
    script names the feeling first (breathing and grounding for panic)."""
    exercises = offered_exercises()
    fitting = [name for name, exercise in sorted(exercises.items()) if tag and tag in exercise.suits]

    def rank(name: str) -> tuple[int, int]:
        return helped.index(name) if name in helped else len(helped), exercises[name].suits.index(tag or "")

    return sorted(fitting, key=rank)


def helped_before(tracker: Tracker) -> list[str]:
    try:
        return usage.helped_most(who(tracker).pseudonym)
    except SQLAlchemyError:
        return []


class ActionCheckin(Action):
    """Records how the person feels and suggests exercises that fit, with the whole menu."""

    def name(self) -> str:
        return "action_checkin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events = introduce_if_needed(dispatcher, tracker)
        tag, rating = mood_tag(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        log_usage(tracker, "checkin", step=intent, value=rating)
        common = load_common()
        seed = f"{tracker.sender_id}:{len(tracker.events)}"
        line = pick(common.lines("suggest", tag), seed) if tag else ""
        if intent == "mood_okay":
            line = pick(common.lines("suggest", "okay"), seed)  # content_problems: never empty
        text = line or pick(common.lines("menu_prompt"), seed)
        text = "\n".join(filter(None, [high_distress_line(rating, seed), text]))
        helped = helped_before(tracker)
        suggested = suggested_exercises(tag, helped) + suggested_exercises(MOOD_TAGS.get(intent or ""), helped)
        if helped and tag and helped[0] in suggested:
            text += "\n" + fill(
                pick(common.lines("helped_before"), seed), exercise=offered_exercises()[helped[0]].call_it
            )
        offered = offer(dispatcher, text, suggested)
        return [*events, *offered, SlotSet("mood", intent)]


class ActionShowMenu(Action):
    def name(self) -> str:
        return "action_show_menu"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events = introduce_if_needed(dispatcher, tracker)
        exercises = offered_exercises()
        lines = [pick(load_common().lines("menu_prompt"), f"{tracker.sender_id}:{len(tracker.events)}")]
        lines += [f"• {exercise.title}: {exercise.summary}" for _, exercise in sorted(exercises.items())]
        return [*events, *offer(dispatcher, "\n".join(lines), every=True)]


class ActionStartOver(Action):
    """A fresh start for the person: any running exercise ends; safety state and country stay."""

    def name(self) -> str:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        log_abandoned(tracker, "start_over")
        dispatcher.utter_message(response="utter_start_over")
        dispatcher.utter_message(response="utter_ask_checkin")
        return [*cleared_run(), SlotSet(ANSWER_SLOT, None)]


def affirmable(parse_data: dict[str, Any], questions: dict[str, str]) -> dict[str, Any] | None:
    """The best guess at what the person meant that has a question in common.yml (never risk)."""
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    return next((guess for guess in ranking if guess.get("name") in questions), None)


class ActionDefaultAskAffirmation(Action):
    """The two-stage fallback's "Did you mean ...?" in human words, with a Yes that does the thing."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        wording = dict(load_common().raw.get("fallback") or {})
        yes, no = wording.pop("yes_button"), wording.pop("no_button")
        guess = affirmable(tracker.latest_message, wording)
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities") or [] if "value" in e}
        payload = intent_payload(guess["name"], entities)
        buttons = [{"title": yes, "payload": payload}, {"title": no, "payload": "/out_of_scope"}]
        dispatcher.utter_message(text=wording[guess["name"]], buttons=buttons)
        return []


# Forms whose question must come back when nothing else was predicted after an interruption.
FORMS = ("exercise_form", "cssrs_form")


class ActionDefaultFallback(Action):
    """Rasa's last resort, with one change: while an exercise or the screener is running, the
    question comes back instead of the menu (after "im in ireland actually" during the screener the
    country's services came, then the menu, and the next "no" answered a question no longer in view)."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        form = (tracker.active_loop or {}).get("name")
        if form in FORMS:
            return [FollowupAction(form)]
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]
