"""The widget's conversation history and the web server's other routes, on a real (encrypted) SQLite
tracker store and a real aiohttp server on loopback. Rasa itself is not started here."""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.channels import inbound
from bot.crypto import PREFIX
from bot.db import engine_for
from bot.tracker_store import SteadyTrackerStore
from bot.web.server import MAX_HISTORY_MESSAGES, create_app, load_history, transcript
from tests.support.steady_env import SteadyPaths

PACER = {"type": "breathing_pacer", "rounds": 3, "phases": [{"phase": "in", "say": "Breathe in", "seconds": 4}]}


def conversation() -> list[Any]:
    return [
        SessionStarted(),
        UserUttered("/greet", metadata={"button": True}),
        BotUttered("Hi, I'm Steady.", {"buttons": [{"title": "Anxious", "payload": "/mood_anxious"}]}),
        UserUttered("/mood_anxious", {"name": "mood_anxious"}, metadata={"button": True, "title": "Anxious"}),
        SlotSet("risk_flag", True),
        UserUttered("<img src=x onerror=alert(1)>", {"name": "risk", "confidence": 0.9}, [{"entity": "x"}]),
        BotUttered("Box breathing, 3 rounds.", {"custom": PACER}),
    ]


def rows_of(events: list[Any]) -> list[tuple[str, str]]:
    return [(event.type_name, json.dumps(event.as_dict())) for event in events]


def test_the_transcript_shows_what_the_person_saw_and_nothing_internal() -> None:
    messages = transcript(rows_of(conversation()))
    assert messages == [
        {"from": "bot", "text": "Hi, I'm Steady.", "buttons": [{"title": "Anxious", "payload": "/mood_anxious"}]},
        {"from": "user", "text": "Anxious"},
        {"from": "user", "text": "<img src=x onerror=alert(1)>"},
        {"from": "bot", "text": "Box breathing, 3 rounds.", "custom": PACER},
    ]


def test_the_transcript_is_the_latest_session_and_at_most_the_limit() -> None:
    old = [SessionStarted(), UserUttered("last week"), BotUttered("ok")]
    assert transcript(rows_of([*old, *conversation()]))[1] == {"from": "user", "text": "Anxious"}
    long = [SessionStarted(), *[UserUttered(f"line {n}") for n in range(MAX_HISTORY_MESSAGES + 5)]]
    kept = transcript(rows_of(long))
    assert len(kept) == MAX_HISTORY_MESSAGES and kept[-1]["text"] == f"line {MAX_HISTORY_MESSAGES + 4}"


def test_the_transcript_keeps_a_progress_chart_but_no_other_custom_payload() -> None:
    chart = {"type": "progress_chart", "runs": [{"date": "2026-11-20", "before": 7, "after": 4}], "checkins": []}
    assert transcript(rows_of([SessionStarted(), BotUttered("Summary", {"custom": chart})])) == [
        {"from": "bot", "text": "Summary", "custom": chart}
    ]
    internal = {"type": "internal", "secret": 1}
    shown = transcript(rows_of([SessionStarted(), BotUttered("Hi", {"custom": internal})]))
    assert shown == [{"from": "bot", "text": "Hi"}]


async def save(store: SteadyTrackerStore, sender_id: str, events: list[Any]) -> None:
    await store.save(DialogueStateTracker.from_events(sender_id, events))


@pytest.mark.asyncio
async def test_history_reads_one_conversation_from_the_encrypted_tracker_store(steady_env: SteadyPaths) -> None:
    store = SteadyTrackerStore(Domain.empty())
    mine, theirs = secrets.token_hex(32), secrets.token_hex(32)
    await save(store, mine, conversation())
    await save(store, theirs, [SessionStarted(), UserUttered("their secret"), BotUttered("for them")])
    with engine_for(steady_env.database_url).connect() as connection:
        stored = connection.execute(text("SELECT data FROM events WHERE sender_id = :s"), {"s": mine}).scalars()
        assert all(value.startswith(PREFIX) for value in stored), "the table holds ciphertext"
    history = load_history(steady_env.database_url, mine)
    assert [message.get("text") for message in history][-1] == "Box breathing, 3 rounds."
    assert "their secret" not in json.dumps(history)
    assert load_history(steady_env.database_url, secrets.token_hex(32)) == []


def test_history_before_rasa_wrote_anything_is_empty(steady_env: SteadyPaths) -> None:
    assert load_history(steady_env.database_url, secrets.token_hex(32)) == []


# -- the web server's routes, served for real on loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest_asyncio.fixture
async def web_server(steady_env: SteadyPaths) -> AsyncIterator[str]:
    rasa_port = free_port()  # nothing listens there: Rasa is "down"
    runner = web.AppRunner(create_app(f"http://127.0.0.1:{rasa_port}"))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.asyncio
async def test_the_history_route_answers_only_for_a_well_formed_id(web_server: str, steady_env: SteadyPaths) -> None:
    store = SteadyTrackerStore(Domain.empty())
    mine = secrets.token_hex(32)
    await save(store, inbound.conversation_of(mine), conversation())
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{web_server}/api/history", json={"session_id": mine}) as reply:
            assert reply.status == 200
            assert reply.headers["Access-Control-Allow-Origin"] == "*"
            assert reply.headers["Cache-Control"] == "no-store"
            assert (await reply.json())["messages"][1] == {"from": "user", "text": "Anxious"}
        for body in [{"session_id": "abc"}, {"session_id": mine.upper()}, {"session_id": mine + "' OR 1=1"}, [], {}]:
            async with http.post(f"{web_server}/api/history", json=body) as reply:
                assert reply.status == 400 and "error" in await reply.json()
        async with http.post(f"{web_server}/api/history", data=b"not json") as reply:
            assert reply.status == 415, "only JSON (so a cross-site request is always preflighted)"
        async with http.options(f"{web_server}/api/history") as reply:
            assert reply.status == 204 and "Content-Type" in reply.headers["Access-Control-Allow-Headers"]


@pytest.mark.asyncio
async def test_the_widget_files_can_be_embedded_from_any_site(web_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        for path, kind in [("/widget.js", "javascript"), ("/widget.css", "css")]:
            async with http.get(web_server + path) as reply:
                assert reply.status == 200 and kind in reply.headers["Content-Type"]
                assert reply.headers["Access-Control-Allow-Origin"] == "*"
        async with http.get(web_server + "/static/vendor/socket.io.min.js") as reply:
            assert reply.status == 200 and "Socket.IO v4" in (await reply.text())[:200]
        async with http.get(web_server + "/") as reply:
            page = await reply.text()
            assert '<script src="/widget.js"' in page
            assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
        async with http.get(web_server + "/health") as reply:
            assert await reply.json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_socketio_traffic_gets_a_clear_answer_when_rasa_is_down(web_server: str) -> None:
    params = {"EIO": "4", "transport": "polling"}
    async with aiohttp.ClientSession() as http, http.get(f"{web_server}/socket.io/", params=params) as reply:
        assert reply.status == 502
        assert "not answering" in await reply.text()
