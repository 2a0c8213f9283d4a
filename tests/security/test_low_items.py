"""Low items: weak widget session ids refused, the demo page's CSP on /static/ too, no Server
header naming versions, a size cap on Telegram's webhook."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
import pytest

from bot.channels.inbound import valid_session_id
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
async def test_a_person_erases_their_own_web_chat(steady_env: Any) -> None:
    import asyncio as aio

    from rasa.shared.core.domain import Domain

    from bot.tracker_store import SteadyTrackerStore
    from bot.web.server import load_history
    from tests.unit.test_webchat_history import conversation, save

    mine = secrets.token_hex(32)
    await save(SteadyTrackerStore(Domain.empty()), mine, conversation())
    assert load_history(steady_env.database_url, mine)
    async with chat_page() as (url, _rasa), aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/erase", json={"session_id": "abc"}) as reply:
            assert reply.status == 400
        async with http.post(f"{url}/api/erase", json={"session_id": mine}) as reply:
            assert reply.status == 200
    assert await aio.to_thread(load_history, steady_env.database_url, mine) == []
