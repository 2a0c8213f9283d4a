"""Several Rasa servers on one machine: the chat page sends every message of one conversation to the
same server, the servers all get work, and `make run` starts one per core with the first one keeping
every channel."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot import run as steady_run
from bot.rasa_api import rasa_url_for
from bot.run import free_port
from bot.web.server import create_app


def rest_stand_in(name: str, seen: list[tuple[str, str]]) -> web.Application:
    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((name, body["sender"]))
        return web.json_response([{"recipient_id": body["sender"], "text": f"from {name}"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", answer)
    return app


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def test_the_chat_page_keeps_each_conversation_on_one_rasa_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_RATE_LIMIT_SCALE", "100")  # 24 conversations from one address
    seen: list[tuple[str, str]] = []
    senders = [f"conversation-{n:04d}-abcdef" for n in range(24)]

    async def scenario() -> None:
        ports = {"a": free_port(), "b": free_port()}
        runners = [await serve(rest_stand_in(name, seen), port) for name, port in ports.items()]
        urls = [f"http://127.0.0.1:{port}" for port in ports.values()]
        web_port = free_port()
        runners.append(await serve(create_app(urls[0], rest_urls=urls), web_port))
        try:
            async with aiohttp.ClientSession() as http:
                for turn in range(3):
                    for sender in senders:
                        body = {"sender": sender, "text": f"still here, message {turn}"}
                        async with http.post(f"http://127.0.0.1:{web_port}/api/messages", json=body) as reply:
                            assert reply.status == 200
        finally:
            for runner in runners:
                await runner.cleanup()

    asyncio.run(scenario())
    servers_of = {sender: {name for name, who in seen if who == sender} for sender in senders}
    assert all(len(names) == 1 for names in servers_of.values()), "a conversation never changes server"
    assert set(Counter(name for name, _ in seen)) == {"a", "b"}, "both servers get conversations"


def test_the_choice_is_stable_and_spread() -> None:
    urls = ["http://one", "http://two", "http://three"]
    picks = Counter(rasa_url_for(f"person-{n}", urls) for n in range(3000))
    assert set(picks) == set(urls) and min(picks.values()) > 800
    assert rasa_url_for("person-7", urls) == rasa_url_for("person-7", list(urls))


def test_make_run_starts_one_rasa_server_per_core_and_the_first_keeps_every_channel(
    steady_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADY_RASA_PROCESSES", "3")
    ports = steady_run.local_ports()
    assert ports.rasa_more == (ports.rasa + 1, ports.rasa + 2)
    rasa = [part for part in steady_run.parts(ports) if part.name.startswith("Rasa server")]
    assert len(rasa) == 3
    credentials = [part.command[part.command.index("--credentials") + 1] for part in rasa]
    assert credentials[0] == "credentials.yml"
    assert all(path.endswith("credentials-rest.yml") for path in credentials[1:]), "Telegram polls from one place"
    urls = steady_run.environment(ports)["STEADY_RASA_URLS"].split(",")
    assert urls == [f"http://127.0.0.1:{port}" for port in (ports.rasa, *ports.rasa_more)]


def test_one_core_or_a_test_layout_means_one_rasa_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_RASA_PROCESSES", "1")
    assert steady_run.local_ports().rasa_more == ()
    explicit = steady_run.Ports(rasa=free_port(), actions=free_port(), web=free_port(), console=free_port())
    assert [part.name for part in steady_run.rasa_parts(explicit)] == ["Rasa server"]
