"""Telegram in long-polling mode (what `make run` uses without a public URL), end to end.

The real Rasa server and action server run from the project's files; the channel polls the
loopback stand-in of the Bot API. Starting Rasa takes about a minute; the module shares one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.channels.telegram.channel import FORGET_ASK, FORGET_DONE, FORGET_NO
from bot.channels.telegram.render import pacer_frames
from bot.db import UsageEvent, engine_for, session_scope
from bot.exercises import load_exercises
from bot.pseudonym import pseudonymise
from tests.support.servers import private_steady_env
from tests.support.telegram_harness import (
    SECONDS_PER_COUNT,
    Person,
    TelegramSteady,
    raise_for_log_token,
    services_of,
    start_telegram_steady,
    wait_until,
)

pytestmark = pytest.mark.integration

BREATHING = load_exercises()["breathing"]
BOX = {"label": BREATHING.patterns["box"]["label"], "rounds": 3, "phases": BREATHING.patterns["box"]["phases"]}
FRAMES = [frame.text for frame in pacer_frames(BOX)]
AFTER_PACING = next(step.prompt for step in BREATHING.steps if step.kind == "pacer")


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramSteady]:
    var_dir = tmp_path_factory.mktemp("telegram-polling")
    with private_steady_env(var_dir) as env:
        servers = start_telegram_steady(var_dir, env, "polling")
        yield servers
        servers.stop()
        servers.telegram.close()


def rows_of(chat_id: int) -> tuple[int, int]:
    """(Rasa tracker events, usage rows) stored for one Telegram chat."""
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        events = session.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": str(chat_id)}).scalar()
        usage = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonymise(str(chat_id))).count()
    return int(events or 0), usage


def start_breathing(person: Person) -> list[dict]:
    """From the menu to the first breathing frame: box pattern, 3 rounds."""
    person.say("/help")
    person.press(BREATHING.title)
    person.press("7")
    person.press("Box (4-4-4-4)")
    return person.press("3 rounds")


def pacer_edits(steady: TelegramSteady, chat_id: int, message_id: int) -> list[str]:
    return [
        call["text"]
        for call in steady.telegram.requests("editMessageText")
        if call.get("chat_id") == chat_id and call.get("message_id") == message_id and call["_status"] == 200
    ]


def test_start_greets_with_the_intro_shows_typing_and_a_keyboard(steady: TelegramSteady) -> None:
    person = Person(steady, 5001)
    replies = person.say("/start")
    assert "automated assistant" in replies[0]["text"] and "not a therapist" in replies[0]["text"]
    keyboard = replies[-1]["reply_markup"]["inline_keyboard"]
    assert [key["text"] for row in keyboard for key in row][0] == "Anxious or panicky"
    assert {"chat_id": 5001, "action": "typing"} in steady.telegram.call(lambda: steady.telegram.api.chat_actions)
    commands = steady.telegram.call(lambda: steady.telegram.api.commands)
    assert [command["command"] for command in commands] == ["start", "help", "stop", "forget"]


def test_a_whole_breathing_exercise_is_paced_by_message_edits(steady: TelegramSteady) -> None:
    person, other = Person(steady, 5002), Person(steady, 5003)
    person.say("/start")
    person.press("Anxious or panicky")
    started = time.monotonic()
    replies = start_breathing(person)
    pacer = replies[-1]
    assert pacer["message_id"] == person.sent()[-1]["message_id"], "the pacer is the newest message"
    assert AFTER_PACING not in person.texts(), "the prompt after pacing waits for the pacing"

    other_replies = other.say("/start")  # another chat is answered while this one breathes
    assert other_replies and person.sent()[-1]["message_id"] == pacer["message_id"]

    wait_until(lambda: person.sent()[-1]["text"] == AFTER_PACING, 60, "the end of the pacing")
    elapsed = time.monotonic() - started
    edits = pacer_edits(steady, 5002, pacer["message_id"])
    assert edits[-1] == FRAMES[-1] == "Box breathing (4-4-4-4)\nDone: 3 rounds."
    assert edits == [frame for frame in FRAMES[1:] if frame in edits], "frames in order, none invented"
    assert len(edits) >= 0.8 * (len(FRAMES) - 1), "about one edit per count"
    assert elapsed >= 0.9 * 48 * SECONDS_PER_COUNT, "the counts took their time"

    felt = person.say("ready")
    assert "How did that feel?" in felt[-1]["text"]
    after = person.say("calmer")
    assert any(key["text"] == "3" for row in after[-1]["reply_markup"]["inline_keyboard"] for key in row)
    closing = person.press("3")
    assert closing[-1]["reply_markup"]["inline_keyboard"][-1][0]["text"] == "Talk to a person"
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        rows = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonymise("5002")).all()
        assert session.query(UsageEvent).filter(UsageEvent.pseudonym == "5002").count() == 0
        kinds = [row.kind for row in rows]
        channels = {row.channel for row in rows}
    assert "start" in kinds and kinds[-1] == "complete"
    assert channels == {"telegram"}


def test_risk_language_mid_pacing_stops_it_and_crisis_resources_come_next(steady: TelegramSteady) -> None:
    person = Person(steady, 5004)
    person.say("i'm in the uk")
    pacer = start_breathing(person)[-1]
    wait_until(lambda: len(pacer_edits(steady, 5004, pacer["message_id"])) >= 3, 30, "some pacing")
    replies = person.say("i've been thinking about killing myself")
    assert any(contact in replies[0]["text"] for contact in services_of("GB")), replies[0]["text"]
    time.sleep(6 * SECONDS_PER_COUNT)
    sent = person.sent()
    position = [message["message_id"] for message in sent].index(pacer["message_id"])
    assert sent[position + 1]["text"] == replies[0]["text"], "nothing came between the pacer and the resources"
    assert sent[position]["text"] == "Box breathing (4-4-4-4)\nStopped here."
    assert pacer_edits(steady, 5004, pacer["message_id"])[-1] == "Box breathing (4-4-4-4)\nStopped here."
    assert AFTER_PACING not in person.texts(), "the held-back prompt was dropped"


def test_stop_leaves_the_exercise_and_typed_slashes_never_force_an_intent(steady: TelegramSteady) -> None:
    person = Person(steady, 5005)
    person.say("/help")
    person.press(BREATHING.title)
    assert steady.tracker(5005)["active_loop"].get("name") == "exercise_form"
    person.say("/stop")
    tracker = steady.tracker(5005)
    assert tracker["latest_message"]["intent"]["name"] == "stop"
    assert not tracker["active_loop"].get("name"), "/stop leaves the exercise: the engine must honour the forced intent"
    assert tracker["slots"]["exercise"] is None

    person.say("/request_human")
    latest = steady.tracker(5005)["latest_message"]
    assert latest["text"] == "request_human", "the slash was removed before Rasa saw it"
    person.say("/deny")
    tracker = steady.tracker(5005)
    assert tracker["latest_message"]["text"] == "deny", "a typed '/deny' is typed text, not a button press"
    # the typed word may well be unclear to the model (the fallback asks); what matters is the exercise
    assert tracker["active_loop"].get("name") != "exercise_form", "a no to the counselor offer does not bring it back"
    assert tracker["slots"]["exercise_status"] is None


def test_every_message_carries_the_channel_and_a_country_guess(steady: TelegramSteady) -> None:
    for chat_id, language_code, guess in [(5006, "de", "DE"), (5007, "en", None), (5008, "en-GB", "GB")]:
        Person(steady, chat_id, language_code=language_code).say("hello")
        metadata = steady.tracker(chat_id)["latest_message"]["metadata"]
        assert metadata == {"channel": "telegram", "country_guess": guess}
        assert steady.tracker(chat_id)["latest_input_channel"] == "telegram"


def test_forget_asks_first_and_then_really_erases_the_conversation(steady: TelegramSteady) -> None:
    person = Person(steady, 5009)
    person.say("/start")
    person.press("Anxious or panicky")
    person.press(BREATHING.title)
    events, usage = rows_of(5009)
    assert events > 5 and usage >= 2

    asked = person.say_expecting({"text": "/forget"})
    assert asked[-1]["text"] == FORGET_ASK
    before = len(person.sent())
    person.queue(person.press_update("No, keep it"))
    wait_until(lambda: FORGET_NO in person.texts()[before:], 30, "the answer to 'no'")
    assert rows_of(5009) == (events, usage)
    assert "› No, keep it" in person.sent()[before - 1]["text"], "the choice shows under the question"
    assert "reply_markup" not in person.sent()[before - 1], "and its buttons are gone"

    person.say_expecting({"text": "/forget"})
    before = len(person.sent())
    person.queue(person.press_update("Yes, erase everything"))
    wait_until(lambda: FORGET_DONE in person.texts()[before:], 30, "the erasure")
    assert rows_of(5009) == (0, 0)
    answered = steady.telegram.call(lambda: steady.telegram.api.answered_callback_queries)
    assert len(answered) >= 2, "every button press is answered"

    again = person.say("hi")
    assert "automated assistant" in again[0]["text"], "a fresh start: the intro again"


def test_a_counselors_message_reaches_telegram_split_at_telegrams_limit(steady: TelegramSteady) -> None:
    person = Person(steady, 5010)
    person.say("hello")
    paragraphs = [f"Paragraph {n}: " + "I'm here with you and reading what you wrote. " * 60 for n in range(3)]
    message = "\n\n".join(paragraphs)
    assert len(message) > 4096
    before = len(person.sent())
    steady.rasa_api(
        "/conversations/5010/tracker/events",
        [{"event": "bot", "text": message}],
        "&output_channel=latest&execute_side_effects=true",
    )
    wait_until(lambda: len(person.sent()) >= before + 2, 30, "the counselor's message")
    parts = person.texts()[before:]
    assert all(len(part) <= 4096 for part in parts)
    assert [part.split(":")[0] for part in parts] == ["Paragraph 0", "Paragraph 1", "Paragraph 2"][: len(parts)]
    assert " ".join(" ".join(parts).split()) == " ".join(message.split())


def test_the_bot_token_is_never_logged(steady: TelegramSteady) -> None:
    raise_for_log_token(steady)
    assert "Telegram channel running (polling mode)." in steady.rasa_log()


def test_how_have_i_been_doing_is_plain_text_on_telegram(steady: TelegramSteady) -> None:
    chat_id = 5015
    grounding = load_exercises()["grounding"]
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:  # one finished run, 7 -> 3
        for kind, phase, value in [("start", None, None), ("rating", "before", 7.0), ("rating", "after", 3.0),
                                   ("complete", None, None)]:  # fmt: skip
            session.add(UsageEvent(pseudonym=pseudonymise(str(chat_id)), channel="telegram", exercise="grounding",
                                   run_id="run-5015", kind=kind, phase=phase, value=value))  # fmt: skip
    replies = Person(steady, chat_id).say("how have I been doing?")
    summary = [reply["text"] for reply in replies if f"{grounding.title}, 7 → 3" in reply["text"]]
    assert len(summary) == 1, [reply["text"] for reply in replies]
    assert not any("progress_chart" in reply["text"] or "{" in reply["text"] for reply in replies), "no raw chart data"
    assert replies[-1].get("reply_markup"), "the exercises follow as buttons"
