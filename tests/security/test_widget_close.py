"""The fuzz test's lost widget messages: a message sent right before the socket closes (or the
connection ends) must still reach Rasa's socket.io channel, directly (as nginx passes it on) and
through the chat page's proxy. The cause was in Sanic 21.12, Rasa's web server (bot/sanic_websocket.py);
the proxy also cut Rasa's side off instead of closing it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import sanic
import socketio
from sanic import Sanic

from bot import sanic_websocket
from bot.run import free_port
from tests.support.fake_rasa import chat_page

CONVERSATIONS = 60
IN_FLIGHT = 4


def frame(number: int) -> str:
    return "42" + json.dumps(["user_uttered", {"message": f"message {number}", "session_id": "s"}])


@asynccontextmanager
async def rasas_socketio(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[str, list[str]]]:
    """A socket.io server on Sanic, as Rasa's channel runs it, with Steady's fix; yields (URL, messages handled)."""
    for cls, name in sanic_websocket.patched_methods():
        monkeypatch.setattr(cls, name, getattr(cls, name))  # undone after the test
    monkeypatch.setattr(Sanic, "test_mode", True)
    sanic_websocket.install()
    handled: list[str] = []
    sio = socketio.AsyncServer(async_mode="sanic", cors_allowed_origins=[])
    app = Sanic(f"rasa-{free_port()}")
    sio.attach(app, socketio_path="/socket.io/")
    sio.on("user_uttered", lambda _sid, data: handled.append(data["message"]))
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}", handled
    finally:
        server.close()
        await server.wait_closed()


async def send_and_go(http: aiohttp.ClientSession, url: str, numbers: list[int], hang_up: bool) -> None:
    """A widget that connects, sends its messages and at once closes (or its tab goes away: no close frame)."""
    async with http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket") as socket:
        await socket.receive()  # Engine.IO's open packet
        await socket.send_str("40")
        while not (await socket.receive()).data.startswith("40"):
            pass
        for number in numbers:
            await socket.send_str(frame(number))
        if hang_up:
            socket._response.connection.transport.close()  # type: ignore[union-attr]


async def widgets(url: str, per_conversation: int, hang_up: bool) -> int:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(first: int) -> None:
        async with gate:
            await send_and_go(http, url, list(range(first, first + per_conversation)), hang_up)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(one(n * per_conversation) for n in range(CONVERSATIONS)))
    return CONVERSATIONS * per_conversation


async def until(done: Any, seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
@pytest.mark.parametrize(("per_conversation", "hang_up"), [(1, False), (3, False), (1, True), (3, True)])
async def test_messages_right_before_a_close_or_a_hang_up_reach_rasas_channel(
    monkeypatch: pytest.MonkeyPatch, per_conversation: int, hang_up: bool
) -> None:
    async with rasas_socketio(monkeypatch) as (url, handled):
        sent = await widgets(url, per_conversation, hang_up)
        await until(lambda: len(handled) >= sent)
    assert len(handled) == sent, f"{sent - len(handled)} of {sent} messages never reached the channel"


@pytest.mark.asyncio
async def test_the_chat_page_closes_rasas_side_and_waits_for_rasas_answer(steady_env: Any) -> None:
    async with chat_page() as (url, rasa), aiohttp.ClientSession() as http:
        for number in range(3):
            async with http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket") as socket:
                await socket.send_str(frame(number))
        await until(lambda: len(rasa.closes_answered) == 3)
    assert rasa.frames == [frame(number) for number in range(3)]
    assert rasa.closes_answered == [True] * 3, "the chat page hung up on Rasa instead of closing"


def test_the_fix_is_for_the_sanic_it_mirrors() -> None:
    assert sanic.__version__.startswith("21.12."), "bot/sanic_websocket.py copies Sanic 21.12's code: re-check it"
