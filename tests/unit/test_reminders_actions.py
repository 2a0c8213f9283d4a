"""action_set_reminder and action_stop_reminders, run as the action server runs them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

import actions.reminders as reminder_actions
from actions.reminders import TELEGRAM, ActionSetReminder, ActionStopReminders
from bot.channels.telegram.channel import CHANNEL
from bot.reminders.store import active_reminder, set_reminder
from tests.support.trackers import message, run_action, slot_events, tracker


def asked(
    text: str,
    channel: str = TELEGRAM,
    country: str | None = "GB",
    entities: list[dict[str, Any]] | None = None,
    intent: str = "set_reminder",
    introduced: bool = True,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the action for one message; returns its events and the messages it sent."""
    action = ActionStopReminders() if intent == "stop_reminders" else ActionSetReminder()
    latest = message(text, intent, entities=entities)
    slots = {"introduced": introduced, "country": country}
    events, dispatcher = run_action(action, tracker(latest, slots, sender="4242", channel=channel))
    return events, dispatcher.messages


def button(time: str, zone: str | None = None) -> list[dict[str, Any]]:
    entities = [{"entity": "reminder_time", "value": time}]
    return [*entities, {"entity": "timezone", "value": zone}] if zone else entities


def test_the_action_knows_the_telegram_channel_by_the_name_it_registers() -> None:
    assert TELEGRAM == CHANNEL


@pytest.mark.parametrize("channel", ["rest", "socketio", None])
def test_reminders_are_telegram_only(steady_env: Any, channel: str | None) -> None:
    _events, said = asked("remind me at 8pm", channel=channel)
    assert [m["response"] for m in said] == ["utter_reminder_telegram_only"]
    assert active_reminder("4242") is None


def test_without_a_time_steady_asks_for_one(steady_env: Any) -> None:
    _events, said = asked("can you remind me every day")
    assert [m["response"] for m in said] == ["utter_reminder_ask_time"]


def test_a_typed_time_in_a_one_zone_country_is_set_at_once(steady_env: Any) -> None:
    _events, said = asked("remind me at 8pm")
    assert [(m["response"], m.get("time"), m.get("zone")) for m in said] == [("utter_reminder_set", "20:00", "London")]
    reminder = active_reminder("4242")
    assert (reminder.local_time, reminder.timezone, reminder.channel) == ("20:00", "Europe/London", "telegram")


def test_a_country_with_several_clocks_gets_one_button_per_clock(steady_env: Any) -> None:
    _events, said = asked("20:30 please", country="US")
    assert [(m["response"], m.get("time")) for m in said] == [("utter_reminder_ask_zone", "20:30")]
    buttons = said[0]["buttons"]
    assert [b["title"] for b in buttons][:3] == ["New York", "Chicago", "Denver"] and len(buttons) == 8
    assert buttons[0]["payload"] == '/set_reminder{"reminder_time": "20:30", "timezone": "America/New_York"}'
    assert json.loads(buttons[1]["payload"].removeprefix("/set_reminder")) == {
        "reminder_time": "20:30",
        "timezone": "America/Chicago",
    }
    assert active_reminder("4242") is None


def test_an_unknown_country_gets_common_zones_of_the_world(steady_env: Any) -> None:
    _events, said = asked("8am", country=None)
    assert said[0]["response"] == "utter_reminder_ask_zone"
    assert "London" in [b["title"] for b in said[0]["buttons"]] and len(said[0]["buttons"]) <= 8


def test_a_zone_button_sets_the_reminder_in_that_zone(steady_env: Any) -> None:
    payload = '/set_reminder{"reminder_time": "20:30", "timezone": "America/Chicago"}'
    _events, said = asked(payload, country="US", entities=button("20:30", "America/Chicago"))
    assert [(m["response"], m.get("time"), m.get("zone")) for m in said] == [("utter_reminder_set", "20:30", "Chicago")]
    assert active_reminder("4242").timezone == "America/Chicago"


def test_a_new_time_keeps_the_zone_of_the_reminder_already_set(steady_env: Any) -> None:
    set_reminder("4242", TELEGRAM, "20:30", "America/Denver")
    _events, said = asked("make it 7am instead", country="US")
    assert [(m["response"], m.get("time"), m.get("zone")) for m in said] == [("utter_reminder_set", "07:00", "Denver")]
    assert (active_reminder("4242").local_time, active_reminder("4242").timezone) == ("07:00", "America/Denver")


def test_a_zone_that_does_not_exist_is_asked_again(steady_env: Any) -> None:
    _events, said = asked("/set_reminder", country="US", entities=button("20:30", "Mars/Olympus"))
    assert said[0]["response"] == "utter_reminder_ask_zone"


def test_the_channels_country_guess_is_used_on_a_first_message(steady_env: Any) -> None:
    latest = message("remind me at 9am", "set_reminder")
    slots = {"introduced": False, "session_started_metadata": {"country_guess": "GB"}}
    events, dispatcher = run_action(ActionSetReminder(), tracker(latest, slots, sender="4242", channel=TELEGRAM))
    assert [m["response"] for m in dispatcher.messages] == ["utter_intro", "utter_reminder_set"]
    assert slot_events(events)["country_guess"] == "GB"
    assert active_reminder("4242").timezone == "Europe/London"


def test_a_database_failure_is_said_not_raised(steady_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(reminder_actions, "set_reminder", broken)
    monkeypatch.setattr(reminder_actions, "stop_reminders", broken)
    monkeypatch.setattr(reminder_actions, "active_reminder", broken)
    assert [m["response"] for m in asked("8pm")[1]] == ["utter_reminder_unavailable"]
    assert [m["response"] for m in asked("8pm", country="US")[1]] == ["utter_reminder_unavailable"]
    assert [m["response"] for m in asked("stop", intent="stop_reminders")[1]] == ["utter_reminder_unavailable"]


def test_stopping_says_whether_there_was_anything_to_stop(steady_env: Any) -> None:
    set_reminder("4242", TELEGRAM, "20:30", "Europe/London")
    assert [m["response"] for m in asked("/stop_reminders", intent="stop_reminders")[1]] == ["utter_reminder_stopped"]
    assert active_reminder("4242") is None
    assert [m["response"] for m in asked("stop reminders", intent="stop_reminders")[1]] == ["utter_no_reminders"]
