"""The web chat channel's own rules: metadata, button checks, length (the slash and session-id rules
are bot/channels/inbound.py's, tests/unit/test_inbound.py).

Messages go through WebchatInput.handle_message with a real socket.io server object and a real
in-memory Rasa tracker store; what would reach Rasa is collected. Over real sockets and a real Rasa
server: tests/integration/test_webchat_channel.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.inbound import MAX_MESSAGE_CHARS
from bot.channels.webchat import WebchatInput, WebchatOutput, clean_metadata, country_guess

SENDER = "a-socket-id"  # without session persistence the socket id is the sender
MENU = [{"title": "Breathing", "payload": '/request_exercise{"exercise": "breathing"}'}, {"title": "3", "payload": "3"}]


@pytest.mark.parametrize(
    ("language", "guess"),
    [
        ("en-GB", "GB"),
        ("en_us", "US"),
        ("zh-Hant-TW", "TW"),
        ("es-419", None),
        ("de", None),
        ("", None),
        (None, None),
        ("en-" + "x" * 40, None),
    ],
)
def test_the_country_guess_is_the_region_of_the_browser_language(language: Any, guess: str | None) -> None:
    assert country_guess(language) == guess


def test_metadata_keeps_only_what_steady_uses() -> None:
    sent = {"language": "en-GB", "channel": "telegram", "risk_flag": False, "title": "Yes"}
    assert clean_metadata(sent, is_button=False) == {"channel": "webchat", "country_guess": "GB"}
    clicked = clean_metadata({**sent, "title": " Breathing " + "x" * 300}, is_button=True)
    assert clicked["button"] is True and clicked["title"].startswith("Breathing") and len(clicked["title"]) == 200
    assert clean_metadata("not a dict", is_button=False) == {"channel": "webchat", "country_guess": None}


# -- handle_message, with what would reach Rasa collected


class Collected:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


async def channel_with_offer(buttons: list[dict[str, str]] | None) -> WebchatInput:
    """A channel whose server already offered `buttons` to SENDER (stored in a real tracker store)."""
    channel = WebchatInput(session_persistence=False)
    channel.sio = socketio.AsyncServer(async_mode="asgi")
    store = InMemoryTrackerStore(Domain.empty())
    events = [UserUttered("hi")] + ([BotUttered("Which?", {"buttons": buttons})] if buttons else [])
    await store.save(DialogueStateTracker.from_events(SENDER, events))
    channel.app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
    return channel


async def passed_on(channel: WebchatInput, data: dict[str, Any]) -> list[UserMessage]:
    collected = Collected()
    await channel.handle_message(SENDER, data, collected)
    return collected.messages


@pytest.mark.asyncio
async def test_typed_text_reaches_rasa_neutralised_with_steadys_metadata() -> None:
    channel = await channel_with_offer(MENU)
    [message] = await passed_on(channel, {"message": " /deny", "metadata": {"language": "en-GB", "admin": True}})
    assert message.text == "deny"
    assert message.sender_id == SENDER and message.input_channel == "webchat"
    assert message.metadata == {"channel": "webchat", "country_guess": "GB"}
    assert isinstance(message.output_channel, WebchatOutput)


@pytest.mark.asyncio
async def test_a_click_on_an_offered_button_keeps_its_payload() -> None:
    channel = await channel_with_offer(MENU)
    payload = MENU[0]["payload"]
    [message] = await passed_on(channel, {"message": payload, "metadata": {"button": True, "title": "Breathing"}})
    assert message.text == payload
    assert message.metadata == {"channel": "webchat", "country_guess": None, "button": True, "title": "Breathing"}


@pytest.mark.asyncio
@pytest.mark.parametrize("claimed", [True, "true", 1])
async def test_a_click_on_a_button_nobody_offered_counts_as_typed(claimed: Any) -> None:
    channel = await channel_with_offer(MENU)
    [message] = await passed_on(channel, {"message": "/goodbye", "metadata": {"button": claimed, "title": "Bye"}})
    assert message.text == "goodbye"
    assert "button" not in message.metadata


@pytest.mark.asyncio
async def test_without_a_readable_conversation_only_the_channels_own_commands_pass() -> None:
    channel = await channel_with_offer(None)
    channel.app = None
    urgent = await passed_on(channel, {"message": "/request_human", "metadata": {"button": True}})
    other = await passed_on(channel, {"message": MENU[0]["payload"], "metadata": {"button": True}})
    assert urgent[0].text == "/request_human"
    assert other[0].text == MENU[0]["payload"].lstrip("/")


@pytest.mark.asyncio
@pytest.mark.parametrize("data", [{"message": "x" * (MAX_MESSAGE_CHARS + 1)}, {"message": " / "}, {"message": 5}, {}])
async def test_over_long_or_empty_messages_do_not_reach_rasa(data: dict[str, Any]) -> None:
    channel = await channel_with_offer(MENU)
    assert await passed_on(channel, data) == []


@pytest.mark.asyncio
async def test_a_message_of_exactly_the_limit_is_passed_on() -> None:
    channel = await channel_with_offer(MENU)
    [message] = await passed_on(channel, {"message": "x" * MAX_MESSAGE_CHARS})
    assert len(message.text) == MAX_MESSAGE_CHARS


@pytest.mark.asyncio
async def test_with_session_persistence_a_malformed_session_id_never_reaches_rasa() -> None:
    channel = await channel_with_offer(MENU)
    channel.session_persistence = True
    for session_id in [None, "abc", "0" * 64]:
        assert await passed_on(channel, {"message": "hi", "session_id": session_id}) == []


def test_the_output_channel_for_rasas_api_is_the_web_chat_one() -> None:
    channel = WebchatInput(session_persistence=True)
    channel.sio = socketio.AsyncServer(async_mode="asgi")
    output = channel.get_output_channel()
    assert isinstance(output, WebchatOutput) and output.sio is channel.sio and output.name() == "webchat"


def test_credentials_come_from_the_same_keys_as_rasas_socketio_channel() -> None:
    channel = WebchatInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )
    assert isinstance(channel, WebchatInput)
    assert (channel.user_message_evt, channel.bot_message_evt, channel.session_persistence) == (
        "user_uttered",
        "bot_uttered",
        True,
    )
    assert channel.name() == "webchat"
