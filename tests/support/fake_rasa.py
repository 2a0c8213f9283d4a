"""A stand-in for Rasa behind the chat page: records what reaches it (REST and socket.io frames)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.run import free_port

CLOSE_ANSWER_S = 0.2


@dataclass
class FakeRasa:
    url: str = ""
    rest: list[dict[str, Any]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    closes_answered: list[bool] = field(default_factory=list)  # was the chat page still there to hear it?

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._rest)
        app.router.add_get("/socket.io/", self._socket)
        return app

    async def _rest(self, request: web.Request) -> web.Response:
        self.rest.append(await request.json())
        return web.json_response([{"recipient_id": "x", "text": "ok"}])

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoclose=False)
        await socket.prepare(request)
        while (message := await socket.receive()).type == WSMsgType.TEXT:
            self.frames.append(message.data)
        if message.type == WSMsgType.CLOSE:
            await asyncio.sleep(CLOSE_ANSWER_S)  # as Rasa, which first reads what came before the close
            self.closes_answered.append(request.transport is not None and not request.transport.is_closing())
            await socket.close()
        return socket


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def chat_page(**app_options: Any) -> AsyncIterator[tuple[str, FakeRasa]]:
    """The real chat page server in front of a fake Rasa; yields (its URL, the fake)."""
    from bot.web.server import create_app

    rasa = FakeRasa()
    async with serve(rasa.app()) as rasa_url:
        rasa.url = rasa_url
        async with serve(create_app(rasa_url, **app_options)) as url:
            yield url, rasa
