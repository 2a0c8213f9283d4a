"""Finding 3 (public side): rate limits per address and per conversation, JSON only, the widget's
Origin checked, and the widget's socket.io messages limited the same way."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import aiohttp
import pytest

from bot.web.limits import client_address
from tests.support.fake_rasa import chat_page

ORIGIN = "https://clinic.example.org"


def sender() -> str:
    return secrets.token_hex(16)


async def post(http: aiohttp.ClientSession, url: str, body: Any, **headers: str) -> tuple[int, Any]:
    async with http.post(f"{url}/api/messages", json=body, headers=headers) as reply:
        return reply.status, await reply.json()


@pytest.mark.asyncio
async def test_five_anonymous_help_requests_from_one_address_do_not_make_five_escalations(steady_env: Any) -> None:
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http:
        statuses = [(await post(http, url, {"sender": sender(), "payload": "/request_human"}))[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert len(rasa.rest) == 3


@pytest.mark.asyncio
async def test_one_conversation_pressing_for_help_twice_in_a_row_reaches_rasa_once(steady_env: Any) -> None:
    person = sender()
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http:
        first, _ = await post(http, url, {"sender": person, "payload": "/request_human"})
        second, said = await post(http, url, {"sender": person, "payload": "/request_human"})
        typed, _ = await post(http, url, {"sender": person, "text": "please someone, i'm scared"})
    assert (first, second, typed) == (200, 429, 200)
    assert "emergency number" in said["error"] and "counselor" not in said["error"]
    assert len(rasa.rest) == 2


@pytest.mark.asyncio
async def test_a_burst_of_messages_in_one_conversation_is_slowed_with_a_reply(steady_env: Any) -> None:
    person = sender()
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http:
        results = [await post(http, url, {"sender": person, "text": f"msg {n}"}) for n in range(25)]
    assert [status for status, _ in results].count(200) == 20
    assert all("faster than I can read" in body["error"] for status, body in results if status == 429)
    assert len(rasa.rest) == 20


@pytest.mark.asyncio
async def test_new_conversations_from_one_address_are_limited(steady_env: Any) -> None:
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http:
        statuses = [(await post(http, url, {"sender": sender(), "payload": "/greet"}))[0] for _ in range(12)]
    assert statuses.count(200) == 10 and statuses[-1] == 429


@pytest.mark.asyncio
async def test_a_cross_site_text_plain_post_is_refused_and_never_reaches_rasa(steady_env: Any) -> None:
    body = json.dumps({"sender": sender(), "payload": "/request_human"})
    plain = {"Content-Type": "text/plain"}
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http, http.post(
        f"{url}/api/messages", data=body, headers=plain
    ) as reply:
        assert reply.status == 415
    assert rasa.rest == []


@pytest.mark.asyncio
async def test_only_the_widgets_site_and_the_page_itself_may_post(steady_env: Any) -> None:
    async with chat_page(allow_origin=ORIGIN) as (url, rasa), aiohttp.ClientSession() as http:
        evil, _ = await post(http, url, {"sender": sender(), "text": "hi"}, Origin="https://evil.example")
        clinic, _ = await post(http, url, {"sender": sender(), "text": "hi"}, Origin=ORIGIN)
        own, _ = await post(http, url, {"sender": sender(), "text": "hi"}, Origin=url)
        script, _ = await post(http, url, {"sender": sender(), "text": "hi"})
        async with http.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                            headers={"Origin": "https://evil.example"}) as reply:
            socket_status = reply.status
    assert (evil, clinic, own, script, socket_status) == (403, 200, 200, 200, 403)
    assert len(rasa.rest) == 3


@pytest.mark.asyncio
async def test_the_widgets_socket_messages_over_the_limit_are_answered_not_forwarded(steady_env: Any) -> None:
    session_id = secrets.token_hex(32)
    frame = "42" + json.dumps(["user_uttered", {"message": "are you there", "session_id": session_id}])
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http, http.ws_connect(
        f"{url}/socket.io/?EIO=4&transport=websocket"
    ) as socket:
        for _ in range(22):
            await socket.send_str(frame)
        answers = [json.loads((await socket.receive_str(timeout=5))[2:]) for _ in range(2)]
        await asyncio.sleep(0.3)
    assert len([f for f in rasa.frames if f.startswith("42")]) == 20
    assert answers[0][0] == "bot_uttered" and "faster than I can read" in answers[0][1]["text"]


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy() -> None:
    proxies = frozenset({"10.0.0.2"})
    assert client_address("203.0.113.9", "198.51.100.1", proxies) == "203.0.113.9"
    assert client_address("10.0.0.2", "198.51.100.1", proxies) == "198.51.100.1"
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.1", proxies) == "198.51.100.1", "the right-most hop"
    assert client_address("10.0.0.2", "not-an-address", proxies) == "10.0.0.2"
