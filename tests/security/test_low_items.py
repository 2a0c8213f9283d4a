"""Low items: weak widget session ids refused, the widget's conversation opened only by the session
secret Steady issued (a conversation id, known or guessed, neither reads, continues nor erases it),
the demo page's CSP on /static/ too, no Server header naming versions, a size cap on Telegram's webhook."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
import pytest

from bot.channels.inbound import conversation_of, valid_session_id
from tests.integration.test_console_http import signed_in
from tests.support.fake_rasa import chat_page


def test_widget_session_ids_are_exactly_64_random_hex_digits() -> None:
    assert valid_session_id(secrets.token_hex(32))
    assert not valid_session_id(secrets.token_hex(16)), "32 hex digits was accepted before"
    assert not valid_session_id("ab" * 32)


@pytest.mark.asyncio
async def test_the_demo_page_under_static_has_the_pages_policy_and_no_server_header_names_versions(
    steady_env: Any,
) -> None:
    async with chat_page() as (url, _rasa), aiohttp.ClientSession() as http:
        async with http.get(f"{url}/static/index.html") as reply:
            assert "frame-ancestors 'none'" in reply.headers.get("Content-Security-Policy", "")
        async with http.get(f"{url}/health") as reply:
            assert "aiohttp" not in reply.headers.get("Server", "")


@pytest.mark.asyncio
async def test_the_console_does_not_name_its_server_software(console: str, steady_env: Any) -> None:
    sue = await signed_in(console, "sue")
    try:
        reply = await sue.get("/")
        assert "aiohttp" not in reply.headers.get("Server", "") and "Python" not in reply.headers.get("Server", "")
    finally:
        await sue.close()


def test_telegrams_webhook_refuses_oversized_bodies() -> None:
    import asyncio
    from types import SimpleNamespace

    from bot.channels.telegram.channel import MAX_UPDATE_BYTES, SECRET_HEADER, TelegramRuntime

    channel = TelegramRuntime.__new__(TelegramRuntime)
    channel.settings = SimpleNamespace(secret_token="s3cret")
    request = SimpleNamespace(headers={SECRET_HEADER: "s3cret"}, body=b"{" + b" " * MAX_UPDATE_BYTES + b"}")
    reply = asyncio.run(TelegramRuntime.webhook(channel, request))
    assert reply.status == 413


@pytest.mark.asyncio
async def test_a_person_erases_their_own_web_chat_and_a_conversation_id_erases_nothing(steady_env: Any) -> None:
    import asyncio as aio

    from rasa.shared.core.domain import Domain

    from bot.tracker_store import SteadyTrackerStore
    from bot.web.server import load_history
    from tests.unit.test_webchat_history import conversation, save

    secret = secrets.token_hex(32)
    mine = conversation_of(secret)
    await save(SteadyTrackerStore(Domain.empty()), mine, conversation())
    assert load_history(steady_env.database_url, mine)
    async with chat_page() as (url, _rasa), aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/erase", json={"session_id": "abc"}) as reply:
            assert reply.status == 400
        async with http.post(f"{url}/api/erase", json={"session_id": mine}) as reply:
            assert reply.status == 200
        assert await aio.to_thread(load_history, steady_env.database_url, mine), "the conversation id erased it"
        async with http.post(f"{url}/api/erase", json={"session_id": secret}) as reply:
            assert reply.status == 200
    assert await aio.to_thread(load_history, steady_env.database_url, mine) == []


@pytest.mark.asyncio
async def test_a_conversation_id_does_not_read_the_widgets_history(steady_env: Any) -> None:
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import SteadyTrackerStore
    from tests.unit.test_webchat_history import conversation, save

    secret = secrets.token_hex(32)
    await save(SteadyTrackerStore(Domain.empty()), conversation_of(secret), conversation())
    async with chat_page() as (url, _rasa), aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/history", json={"session_id": conversation_of(secret)}) as reply:
            assert (await reply.json())["messages"] == [], "a known or guessed conversation id read the chat"
        async with http.post(f"{url}/api/history", json={"session_id": secret}) as reply:
            assert (await reply.json())["messages"], "the secret reads it"


@pytest.mark.asyncio
async def test_a_widget_message_goes_to_the_conversation_its_secret_opens_never_to_the_id_sent() -> None:
    from tests.unit.test_webchat_channel import Collected, channel_with_offer

    channel = await channel_with_offer(None)
    channel.session_persistence = True
    secret = secrets.token_hex(32)
    collected = Collected()
    for session_id in [secret, conversation_of(secret)]:
        await channel.handle_message("socket", {"message": "hello", "session_id": session_id}, collected)
    first, second = (message.sender_id for message in collected.messages)
    assert first == conversation_of(secret) != secret
    assert second != first, "someone who knows the conversation id continued the chat"


@pytest.mark.asyncio
async def test_the_channel_issues_the_secret_and_the_socket_joins_the_conversations_room() -> None:
    from bot.channels.webchat import WebchatInput

    joined, confirmed = [], []

    class Server:
        async def enter_room(self, _sid: str, room: str, **_kwargs: Any) -> None:
            joined.append(room)

        async def emit(self, _event: str, data: Any, **_kwargs: Any) -> None:
            confirmed.append(data)

    channel = WebchatInput(session_persistence=True)
    channel.sio = Server()  # type: ignore[assignment]
    await channel.session_request("socket", {"session_id": None})
    issued = confirmed[-1]
    assert valid_session_id(issued) and joined[-1] == conversation_of(issued)
    await channel.session_request("socket", {"session_id": issued})
    assert confirmed[-1] == issued and joined[-1] == conversation_of(issued), "a reload keeps the chat"


def test_the_chat_page_api_refuses_a_widget_conversation_id_as_its_sender() -> None:
    from bot.web.server import message_from

    assert isinstance(message_from({"sender": conversation_of(secrets.token_hex(32)), "text": "hi"}), str)
    assert message_from({"sender": "a-page-conversation-0001", "text": "hi"}) == ("a-page-conversation-0001", "hi")
