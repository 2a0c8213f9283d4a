"""Steady's payloads: one reader of the buttons it offered, and every custom payload shown on every channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from bot import payloads
from bot.channels.telegram.render import paced_frames
from bot.console import transcript
from bot.web.server import shown_bot_message
from tests.support.console import Turn, save_conversation
from tests.support.steady_env import SteadyPaths

WIDGET = Path(payloads.__file__).parent / "web" / "static" / "widget.js"
MENU = [{"title": "Breathing", "payload": '/request_exercise{"exercise": "breathing"}'}, {"title": "3", "payload": "3"}]
PACER = payloads.breathing_pacer(
    "box", "Box breathing", 1, [{"phase": "in", "say": "Breathe in", "seconds": 4}], "Box breathing, 1 round."
)
GUIDE = payloads.guided_sequence(
    "scan", "Body scan", [{"say": "Notice your feet.", "seconds": 5}, {"say": "Now your legs.", "seconds": 5}],
    "Take a few minutes.\n\nNotice your feet.\n\nNow your legs.",
)
CHART = payloads.progress_chart("How you've been", [], [], "You did two exercises this week.")


def test_offered_buttons_are_those_of_the_last_few_turns_as_events_or_as_stored_dicts() -> None:
    events = [
        BotUttered("Long ago", {"buttons": [{"title": "Ancient", "payload": "/ancient"}]}),  # three turns back
        UserUttered("hello"),
        BotUttered("Pick one", {"buttons": [{"title": "Old", "payload": "/old"}]}),
        UserUttered("hi"),
        BotUttered("Hello"),
        BotUttered("Which?", {"buttons": MENU}),
        BotUttered("Or", {"quick_replies": [{"title": "Talk", "payload": "/request_human"}]}),
    ]
    # an earlier turn's button still counts ("I haven't" after first saying the country) ...
    offered = {MENU[0]["payload"], "3", "/request_human", "/old", "/ancient"}
    assert payloads.offered_buttons(events) == offered
    assert payloads.offered_buttons([event.as_dict() for event in events]) == offered
    # ... for BUTTON_TURNS of the person's turns, then it is typed text
    later = [*events, UserUttered("3"), BotUttered("ok"), UserUttered("and"), BotUttered("right"),
             UserUttered("so"), BotUttered("fine")]
    assert payloads.offered_buttons(later) == set()
    assert payloads.offered_buttons([event.as_dict() for event in later]) == set()


def test_an_intent_payload_carries_its_entities_as_json() -> None:
    assert payloads.intent_payload("request_exercise", {"exercise": "breathing"}) == MENU[0]["payload"]
    assert payloads.intent_payload("show_menu") == "/show_menu"


@pytest.mark.parametrize("custom", [PACER, GUIDE, CHART], ids=lambda custom: custom["type"])
def test_every_custom_payload_is_drawn_by_the_widget_live_and_in_its_history(custom: dict) -> None:
    assert f'custom.type === "{custom["type"]}"' in WIDGET.read_text()
    shown = shown_bot_message({"event": "bot", "text": None, "data": {"custom": custom}})
    assert shown == {"from": "bot", "custom": custom}


@pytest.mark.parametrize("custom", [PACER, GUIDE], ids=lambda custom: custom["type"])
def test_every_paced_payload_is_paced_on_telegram(custom: dict) -> None:
    assert payloads.is_paced(custom) and len(paced_frames(custom)) > 1


@pytest.mark.parametrize("custom", [PACER, GUIDE, CHART], ids=lambda custom: custom["type"])
def test_every_custom_payload_has_words_for_a_channel_that_cannot_draw_it(custom: dict) -> None:
    message = {"custom": custom}
    assert payloads.fallback_text(payloads.custom_of(message)) == custom["fallback_text"] != ""


def test_the_console_transcript_shows_a_guided_sequence_by_its_words(steady_env: SteadyPaths) -> None:
    save_conversation("conv-guide", [Turn("the body scan please")], extra_events=[BotUttered(data={"custom": GUIDE})])
    assert [line.text for line in transcript.lines("conv-guide") if line.kind == "bot"] == [GUIDE["fallback_text"]]
