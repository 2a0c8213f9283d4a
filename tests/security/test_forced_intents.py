"""Finding 5 (forced intents) and finding 6 at the channels (half an emoji): one normaliser,
bot/channels/inbound.py, used by the chat page API, the widget, Telegram and Rasa's REST channel,
tested against a table of bypass strings on every one of them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.channels import inbound
from bot.channels.rest import accepted_text, checked_body
from bot.channels.telegram.incoming import text_for_rasa
from bot.web.server import message_from
from tests.unit.test_webchat_channel import SENDER as WIDGET_SENDER
from tests.unit.test_webchat_channel import channel_with_offer, passed_on

SENDER = "a" * 32
OFFERED = '/request_exercise{"exercise": "breathing"}'
MENU = [{"title": "Breathing", "payload": OFFERED}]
HALF_AN_EMOJI = "\ud83d"

TYPED_BYPASSES = [
    "/restart",
    "/ /restart",
    " /restart",
    "\t/restart",
    "//restart",
    "/\n/restart",
    "\u200b/restart",
    "\ufeff/restart",
    "/\u200b/restart",
    "\uff0frestart",  # a full-width slash
    "/restart@1.0",
    '/checkin{"mood": "great", "exercise": "x"}',
    '/deny{"risk_flag": false}',
    "/session_start",
    " / / /back",
]
# Claimed button presses: none was offered (MENU offers only OFFERED).
CLAIMED_BYPASSES = [
    *TYPED_BYPASSES,
    " " + OFFERED.replace("breathing", "x"),
    OFFERED + " ",  # the offered one, with a space: accepted only as exactly the offered payload
    OFFERED.replace("}", ', "risk_flag": false}'),
    "/restart" + OFFERED,
]


def forced(text: str) -> bool:
    """Whether Rasa would read this text as a forced intent (it strips the text first)."""
    return text.strip().startswith("/")


@pytest.mark.parametrize("typed", TYPED_BYPASSES)
def test_typed_text_never_forces_an_intent_on_any_channel(typed: str) -> None:
    assert not forced(inbound.typed_text(typed))
    assert not forced(message_from({"sender": SENDER, "text": typed})[1])
    assert not forced(text_for_rasa(typed)) or text_for_rasa(typed) in ("/greet", "/show_menu", "/stop")


@pytest.mark.asyncio
@pytest.mark.parametrize("typed", TYPED_BYPASSES)
async def test_typed_text_never_forces_an_intent_in_the_widget(typed: str) -> None:
    channel = await channel_with_offer(MENU)
    for message in await passed_on(channel, {"message": typed}):
        assert not forced(message.text)


@pytest.mark.asyncio
@pytest.mark.parametrize("claimed", CLAIMED_BYPASSES)
async def test_a_claimed_button_passes_only_as_exactly_what_was_offered(claimed: str) -> None:
    channel = await channel_with_offer(MENU)
    widget = [m.text for m in await passed_on(channel, {"message": claimed, "metadata": {"button": True}})]
    page = message_from({"sender": SENDER, "payload": claimed}, offered={OFFERED})[1]
    for text in [*widget, page]:
        assert not forced(text) or text == OFFERED, f"{claimed!r} became {text!r}"


@pytest.mark.asyncio
@pytest.mark.parametrize("claimed", CLAIMED_BYPASSES)
async def test_rasas_rest_channel_applies_the_same_rule(claimed: str) -> None:
    agent = (await channel_with_offer(MENU)).app.ctx.agent
    text = await accepted_text(agent, WIDGET_SENDER, claimed)
    assert not forced(text) or text == OFFERED
    assert await accepted_text(agent, WIDGET_SENDER, OFFERED) == OFFERED


def test_rasas_control_intents_never_pass_as_buttons_even_if_offered() -> None:
    assert inbound.button_payload("/restart", {"/restart"}) is None
    assert inbound.button_payload('/session_start{"x": 1}', {'/session_start{"x": 1}'}) is None


RISK = "I want to kill myself tonight " + HALF_AN_EMOJI


def readable(text: str) -> bool:
    text.encode("utf-8")  # raises for a lone surrogate
    return True


@pytest.mark.asyncio
async def test_half_an_emoji_is_removed_by_every_channel_and_the_words_kept() -> None:
    channel = await channel_with_offer(MENU)
    [widget] = await passed_on(channel, {"message": RISK})
    page = message_from({"sender": SENDER, "text": RISK})[1]
    telegram = text_for_rasa(RISK)
    rest = checked_body(SimpleNamespace(json={"sender": "738201945", "message": RISK}))[1]
    for text in (widget.text, page, telegram, rest):
        assert readable(text) and "kill myself tonight" in text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        ({}, 400),
        ([], 400),
        ({"sender": None, "message": "hi"}, 400),
        ({"message": "hi"}, 400),
        ({"sender": "x" * 256, "message": "i want to die"}, 400),
        ({"sender": "ok-id", "message": None}, 400),
        ({"sender": "ok-id", "message": ""}, 400),
        ({"sender": "ok-id", "message": HALF_AN_EMOJI}, 400),
        ({"sender": "ok-id", "message": "x" * 30_000}, 413),
    ],
)
def test_rasas_rest_channel_refuses_unusable_bodies_with_4xx(body: Any, status: int) -> None:
    assert checked_body(SimpleNamespace(json=body))[0] == status
