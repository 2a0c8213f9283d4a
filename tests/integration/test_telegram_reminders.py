"""Daily check-in reminders on Telegram, end to end.

The real Rasa server and action server run from the project's files, with the Telegram channel
polling the loopback stand-in of the Bot API and (for the "not on Telegram" case) the REST channel.
The reminder worker's pass (bot.reminders.worker.run_once) runs in this process at a chosen time
and talks to that Rasa server over its real HTTP API.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import REPO_ROOT
from bot.db import Reminder, session_scope
from bot.reminders.schedule import next_due
from bot.reminders.store import STOPPED_UNANSWERED, ReminderView, active_reminder
from bot.reminders.worker import PassFigures, run_once
from tests.support import telegram_harness
from tests.support.servers import private_steady_env
from tests.support.telegram_api import FakeTelegramApi
from tests.support.telegram_harness import RASA_API_TOKEN, Person, TelegramSteady, start_telegram_steady

pytestmark = pytest.mark.integration

RESPONSES = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())["responses"]
TIME_BUTTONS = [button["title"] for button in RESPONSES["utter_reminder_ask_time"][0]["buttons"]]


def texts_of(response: str, **values: str) -> list[str]:
    """Every variation of a domain response, with its {placeholders} filled in."""
    return [" ".join(variation["text"].format(**values).split()) for variation in RESPONSES[response]]


def said(reply: dict[str, Any]) -> str:
    """A message as Telegram shows it, without the "› choice" a button press adds below it."""
    return " ".join(reply["text"].split("\n\n› ")[0].split())


def with_rest_channel(write: Callable[[Path, FakeTelegramApi], Path]) -> Callable[[Path, FakeTelegramApi], Path]:
    """The harness's credentials plus Rasa's REST channel (how the widget's server reaches Rasa)."""

    def write_both(path: Path, api: FakeTelegramApi) -> Path:
        write(path, api)
        credentials = yaml.safe_load(path.read_text())
        path.write_text(yaml.safe_dump({**credentials, "rest": None}))
        return path

    return write_both


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramSteady]:
    var_dir = tmp_path_factory.mktemp("telegram-reminders")
    with private_steady_env(var_dir) as env, pytest.MonkeyPatch.context() as patch:
        patch.setattr(telegram_harness, "write_credentials", with_rest_channel(telegram_harness.write_credentials))
        servers = start_telegram_steady(var_dir, env, "polling")
        patch.setenv("STEADY_RASA_URL", servers.rasa_url)  # for the worker's pass in this process
        patch.setenv("STEADY_RASA_API_TOKEN", RASA_API_TOKEN)
        yield servers
        servers.stop()
        servers.telegram.close()


def worker_pass(at: datetime) -> PassFigures:
    return asyncio.run(run_once(at))


def a_time_not_soon(zone: str) -> str:
    """One of the offered times that is more than an hour away, so the person's own messages
    (sent just now) are not "recent" when it comes."""
    now = datetime.now(timezone.utc)
    return next(time for time in TIME_BUTTONS if next_due(time, zone, now) - now > timedelta(hours=1))


def turn_on_with_a_button(person: Person) -> tuple[str, ReminderView]:
    """A person in Britain asks for reminders and taps a time."""
    asking = person.say("remind me")
    assert said(asking[-1]) in texts_of("utter_reminder_ask_time")
    chosen = a_time_not_soon("Europe/London")
    confirmation = person.press(chosen)
    assert said(confirmation[-1]) in texts_of("utter_reminder_set", time=chosen, zone="London")
    reminder = active_reminder(str(person.chat_id))
    assert reminder is not None and (reminder.local_time, reminder.timezone) == (chosen, "Europe/London")
    return chosen, reminder


def test_a_checkin_arrives_at_the_chosen_time_and_its_button_stops_reminders(steady: TelegramSteady) -> None:
    person = Person(steady, 7101, language_code="en-GB")
    _chosen, reminder = turn_on_with_a_button(person)
    before = len(person.sent())
    assert not worker_pass(reminder.next_due_at - timedelta(minutes=1)).sent, "nothing before its time"
    figures = worker_pass(reminder.next_due_at + timedelta(seconds=30))
    assert figures.sent >= 1 and figures.undelivered == 0
    checkin = person.sent()[before:]
    assert len(checkin) == 1 and said(checkin[0]) in texts_of("utter_checkin_reminder")
    person.button("Stop reminders")  # raises if the check-in has no such button
    assert active_reminder(str(person.chat_id)).next_due_at == reminder.next_due_at + timedelta(days=1)

    stopped = person.press("Stop reminders")
    assert said(stopped[-1]) in texts_of("utter_reminder_stopped")
    assert active_reminder(str(person.chat_id)) is None
    assert said(person.say("stop reminders")[-1]) in texts_of("utter_no_reminders")


def test_a_typed_time_in_a_country_with_several_zones_asks_which_zone(steady: TelegramSteady) -> None:
    person = Person(steady, 7102, language_code="en-US")
    question = person.say("remind me at 8pm")
    assert said(question[-1]) in texts_of("utter_reminder_ask_zone", time="20:00")
    zones = [key["text"] for row in question[-1]["reply_markup"]["inline_keyboard"] for key in row]
    assert {"New York", "Chicago", "Los Angeles"} <= set(zones) and len(zones) <= 8
    confirmation = person.press("Chicago")
    assert said(confirmation[-1]) in texts_of("utter_reminder_set", time="20:00", zone="Chicago")
    reminder = active_reminder(str(person.chat_id))
    assert (reminder.local_time, reminder.timezone) == ("20:00", "America/Chicago")


def test_a_typed_time_in_a_one_zone_country_is_set_at_once(steady: TelegramSteady) -> None:
    person = Person(steady, 7103, language_code="en-GB")
    confirmation = person.say("remind me at 8pm")
    assert said(confirmation[-1]) in texts_of("utter_reminder_set", time="20:00", zone="London")
    assert active_reminder(str(person.chat_id)).timezone == "Europe/London"


def test_on_the_website_reminders_are_telegram_only(steady: TelegramSteady) -> None:
    request = urllib.request.Request(
        f"{steady.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": "widget-7104", "message": "remind me at 8pm"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        texts = [" ".join(message.get("text", "").split()) for message in json.loads(reply.read())]
    assert texts[-1] in texts_of("utter_reminder_telegram_only")
    assert active_reminder("widget-7104") is None


def test_a_conversation_a_counselor_has_taken_over_gets_no_checkin(steady: TelegramSteady) -> None:
    person = Person(steady, 7105, language_code="en-GB")
    _chosen, reminder = turn_on_with_a_button(person)
    steady.rasa_api(f"/conversations/{person.chat_id}/tracker/events", [{"event": "pause"}])
    before = len(person.sent())
    figures = worker_pass(reminder.next_due_at + timedelta(seconds=30))
    assert figures.skipped["paused"] >= 1
    assert person.sent()[before:] == [], "nothing reaches a person a counselor is talking to"
    assert active_reminder(str(person.chat_id)).next_due_at == reminder.next_due_at + timedelta(days=1)
    steady.rasa_api(f"/conversations/{person.chat_id}/tracker/events", [{"event": "resume"}])


def test_after_unanswered_checkins_they_stop_with_one_last_message(
    steady: TelegramSteady, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADY_REMINDER_MAX_UNANSWERED", "2")
    person = Person(steady, 7106, language_code="en-GB")
    _chosen, reminder = turn_on_with_a_button(person)
    for day in range(2):  # two check-ins, and the person answers neither
        before = len(person.sent())
        assert worker_pass(reminder.next_due_at + timedelta(days=day, seconds=30)).sent >= 1
        checkin = person.sent()[before:]
        assert len(checkin) == 1 and said(checkin[0]) in texts_of("utter_checkin_reminder")
    before = len(person.sent())
    figures = worker_pass(reminder.next_due_at + timedelta(days=2, seconds=30))
    assert figures.stopped >= 1 and figures.undelivered == 0
    assert [said(message) for message in person.sent()[before:]] == texts_of("utter_reminders_paused")
    assert active_reminder(str(person.chat_id)) is None
    with session_scope() as session:
        row = session.query(Reminder).filter(Reminder.sender_id == str(person.chat_id)).one()
        assert (row.active, row.stopped_reason, row.unanswered) == (False, STOPPED_UNANSWERED, 2)
    worker_pass(reminder.next_due_at + timedelta(days=3, seconds=30))
    assert len(person.sent()) == before + 1, "nothing more after the last message"
    again = person.say("remind me")  # the conversation goes on as usual after it
    assert said(again[-1]) in texts_of("utter_reminder_ask_time")
