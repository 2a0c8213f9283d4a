"""Daily check-in reminders: turning them on (a time and a time zone) and off.

Only Telegram can message someone who is not looking at Steady, so on other channels Steady says
reminders come through Telegram. The time comes from the reminder_time entity (buttons) or from
what the person typed (bot.reminders.schedule.parse_time); the zone from the timezone entity
(buttons), else from the person's country when it has a single clock, else Steady asks with one
button per zone. The check-ins themselves are sent by bot/reminders/worker.py.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import entity_value
from actions.conversation import introduce_if_needed
from bot.channels.names import TELEGRAM
from bot.payloads import intent_payload
from bot.reminders.schedule import distinct_zones, is_zone, parse_time, zone_choices, zone_label, zones_for_country
from bot.reminders.store import active_reminder, set_reminder, stop_reminders

logger = logging.getLogger(__name__)

MAX_ZONE_BUTTONS = 8


def reminder_time(tracker: Tracker) -> str | None:
    """The time as "HH:MM": from a button's reminder_time entity, else from what the person typed."""
    for candidate in (entity_value(tracker, "reminder_time"), tracker.latest_message.get("text")):
        parsed = parse_time(str(candidate)) if candidate else None
        if parsed:
            return parsed
    return None


def country_of(tracker: Tracker, events: list[EventType]) -> str | None:
    """The country the person said, else the channel's guess (a slot, or just set by introduce_if_needed)."""
    guessed = [event["value"] for event in events if event.get("event") == "slot" and event["name"] == "country_guess"]
    return tracker.get_slot("country") or tracker.get_slot("country_guess") or (guessed[-1] if guessed else None)


def zone_of(tracker: Tracker, country: str | None) -> str | None:
    """The zone a button named, else the country's only clock, else the zone of the reminder the
    person already has (a new time keeps it); None when Steady has to ask."""
    named = entity_value(tracker, "timezone")
    if isinstance(named, str) and is_zone(named):
        return named
    zones = distinct_zones(zones_for_country(country))
    if len(zones) == 1:
        return zones[0]
    current = active_reminder(tracker.sender_id)
    return current.timezone if current else None


def zone_buttons(local_time: str, country: str | None) -> list[dict[str, str]]:
    """One button per clock of the person's country (common zones when it is unknown)."""
    zones = zone_choices(country, MAX_ZONE_BUTTONS)
    return [{"title": zone_label(zone), "payload": reminder_payload(local_time, zone)} for zone in zones]


def reminder_payload(local_time: str, zone: str) -> str:
    """'/set_reminder{"reminder_time": "20:30", "timezone": "America/New_York"}'"""
    return intent_payload("set_reminder", {"reminder_time": local_time, "timezone": zone})


class ActionSetReminder(Action):
    """Turns on (or moves) the daily check-in, asking for the time or zone when it needs them."""

    def name(self) -> str:
        return "action_set_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = introduce_if_needed(dispatcher, tracker)
        local_time = reminder_time(tracker)
        if tracker.get_latest_input_channel() != TELEGRAM:
            dispatcher.utter_message(response="utter_reminder_telegram_only")
        elif local_time is None:
            dispatcher.utter_message(response="utter_reminder_ask_time")
        else:
            try:
                self.turn_on(dispatcher, tracker, local_time, country_of(tracker, events))
            except SQLAlchemyError:
                logger.exception("Could not save a check-in reminder")
                dispatcher.utter_message(response="utter_reminder_unavailable")
        return events

    @staticmethod
    def turn_on(dispatcher: CollectingDispatcher, tracker: Tracker, local_time: str, country: str | None) -> None:
        """Store the reminder and confirm it, or ask which zone when that is not known yet."""
        zone = zone_of(tracker, country)
        if zone is None:
            buttons = zone_buttons(local_time, country)
            dispatcher.utter_message(response="utter_reminder_ask_zone", time=local_time, buttons=buttons)
            return
        set_reminder(tracker.sender_id, TELEGRAM, local_time, zone)
        dispatcher.utter_message(response="utter_reminder_set", time=local_time, zone=zone_label(zone))


class ActionStopReminders(Action):
    """Turns the daily check-ins off (from any channel: there may simply be none)."""

    def name(self) -> str:
        return "action_stop_reminders"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = introduce_if_needed(dispatcher, tracker)
        try:
            stopped = stop_reminders(tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not stop check-in reminders")
            dispatcher.utter_message(response="utter_reminder_unavailable")
            return events
        dispatcher.utter_message(response="utter_reminder_stopped" if stopped else "utter_no_reminders")
        return events
