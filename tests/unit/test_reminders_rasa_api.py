"""The Rasa HTTP API client against a small loopback stand-in: paths, token, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.rasa_api import RasaApi, RasaRefused, RasaUnreachable
from bot.run import free_port

TOKEN = "secret-token"


def stand_in(seen: list[dict[str, Any]], status: int = 200) -> web.Application:
    async def answer(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        seen.append({"method": request.method, "path": request.raw_path.split("?")[0], "query": dict(request.query),
                     "body": body, "auth": request.headers.get("Authorization")})  # fmt: skip
        if status >= 300:
            return web.json_response({"message": "nope"}, status=status)
        return web.json_response({"paused": False, "events": []})

    app = web.Application()
    app.router.add_route("*", "/conversations/{tail:.*}", answer)
    return app


def against(app: web.Application | None, call: Callable[[RasaApi], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        port = free_port()
        runner = web.AppRunner(app) if app else None
        if runner:
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with aiohttp.ClientSession() as http:
                return await call(RasaApi(http, f"http://127.0.0.1:{port}/", TOKEN))
        finally:
            if runner:
                await runner.cleanup()

    return asyncio.run(run())


def test_calls_carry_the_token_in_a_header_never_in_the_url_and_a_quoted_conversation_id() -> None:
    seen: list[dict[str, Any]] = []
    assert against(stand_in(seen), lambda api: api.tracker("a/b 1")) == {"paused": False, "events": []}
    against(stand_in(seen), lambda api: api.trigger_intent("123", "EXTERNAL_checkin_reminder"))
    against(stand_in(seen), lambda api: api.post_events("123", [{"event": "pause"}]))
    assert seen[0] == {"method": "GET", "path": "/conversations/a%2Fb%201/tracker", "query": {},
                       "body": None, "auth": f"Bearer {TOKEN}"}  # fmt: skip
    assert seen[1]["path"] == "/conversations/123/trigger_intent"
    assert seen[1]["query"] == {"output_channel": "latest"}
    assert seen[1]["body"] == {"name": "EXTERNAL_checkin_reminder", "entities": {}}
    assert seen[2]["query"] == {"output_channel": "latest", "execute_side_effects": "true"}
    assert all(call["auth"] == f"Bearer {TOKEN}" for call in seen)
    assert seen[2]["body"] == [{"event": "pause"}]


def test_execute_runs_one_action_and_sends_its_messages_to_the_persons_channel() -> None:
    seen: list[dict[str, Any]] = []
    against(stand_in(seen), lambda api: api.execute("123", "utter_reminders_paused"))
    assert seen == [{"method": "POST", "path": "/conversations/123/execute",
                     "query": {"output_channel": "latest"},
                     "body": {"name": "utter_reminders_paused"}, "auth": f"Bearer {TOKEN}"}]  # fmt: skip


def test_an_error_status_is_a_refusal_with_the_status() -> None:
    with pytest.raises(RasaRefused) as refused:
        against(stand_in([], status=409), lambda api: api.tracker("123"))
    assert refused.value.status == 409 and TOKEN not in str(refused.value)


def test_no_server_is_unreachable_and_the_error_does_not_show_the_token() -> None:
    with pytest.raises(RasaUnreachable) as unreachable:
        against(None, lambda api: api.tracker("123"))
    assert TOKEN not in str(unreachable.value)
