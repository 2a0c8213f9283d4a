"""The web chat channel over real sockets: Rasa (with WebchatInput), the action server and the web
server's socket.io pass-through, on a private SQLite file. python-socketio's AsyncClient plays the widget.

Needs the trained model (make test trains it first). Starting Rasa takes about a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
import yaml

from bot import run as steady_run
from bot.channels import inbound
from bot.db import engine_for
from tests.support.servers import MODEL_HINT, Steady, free_port, start_parts

pytestmark = pytest.mark.integration

WEBCHAT_CREDENTIALS = {
    "rest": None,
    "bot.channels.webchat.WebchatInput": {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
    },
}
REPLY_TIMEOUT_S = 60


# -- starting Steady with the web chat channel and Rasa's HTTP API (shared with the browser tests)


def rasa_command(command: list[str], credentials: Path) -> list[str]:
    """The project's Rasa command with the web chat credentials and the API a counselor console uses
    (its token comes from STEADY_RASA_API_TOKEN in the environment, never the command line)."""
    command = list(command)
    command[command.index("--credentials") + 1] = str(credentials)
    if "--enable-api" not in command:
        command.append("--enable-api")
    return command


def start_webchat_steady(var_dir: Path) -> tuple[Steady, str]:
    """Every part of Steady from bot/run.py, Rasa with WebchatInput; returns the servers and the API token."""
    if not steady_run.MODEL.exists():
        raise RuntimeError(MODEL_HINT)
    token = secrets.token_hex(16)
    credentials = var_dir / "credentials.yml"
    credentials.write_text(yaml.safe_dump(WEBCHAT_CREDENTIALS))
    ports = steady_run.Ports(rasa=free_port(), actions=free_port(), web=free_port(), console=free_port())
    database_url = f"sqlite:///{var_dir / 'steady.db'}"
    engine_for(database_url)  # tables exist before the servers start (as bot/run.py does), no race
    env = {
        **steady_run.environment(ports),
        "STEADY_VAR_DIR": str(var_dir),
        "STEADY_DATABASE_URL": database_url,
        "STEADY_PSEUDONYM_KEY": "webchat-test-key",
        "STEADY_ONCALL_FILE": str(var_dir / "oncall.yml"),
        "STEADY_RASA_API_TOKEN": token,
        # The browser checks open a dozen conversations from one address (each check, and a new chat
        # after an erase); the limits have their own tests (tests/security/test_public_limits.py).
        "STEADY_RATE_LIMIT_SCALE": "100",
    }
    parts = [part for part in steady_run.parts(ports) if part.name != "counselor console"]  # tests start their own
    rasa = next(part for part in parts if part.name == "Rasa server")
    rasa.command = rasa_command(rasa.command, credentials)
    start_parts(parts, env, var_dir)
    return Steady(ports, parts, var_dir), token


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Steady, str]]:
    servers, token = start_webchat_steady(tmp_path_factory.mktemp("webchat-var"))
    yield servers, token
    steady_run.stop(servers.parts)


# -- a widget stand-in


class Chat:
    """One browser tab: a socket.io connection to the web server, bound to one session id."""

    def __init__(self, web_port: int) -> None:
        self.url = f"http://127.0.0.1:{web_port}"
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self.session_id: str | None = None
        self.client.on("bot_uttered", self._on_reply)

    async def _on_reply(self, data: dict[str, Any]) -> None:
        self.received.append(data)
        self.arrived.set()

    async def open(self, session_id: Any) -> str:
        confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda value: confirmed.done() or confirmed.set_result(value))
        # Long-polling only: python-engineio's websocket client needs a newer aiohttp than Rasa allows.
        # The browser tests go through the websocket path.
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": session_id})
        self.session_id = await asyncio.wait_for(confirmed, 30)
        return self.session_id

    @property
    def conversation(self) -> str:
        """The id Rasa stores this chat under (a hash of the session secret)."""
        assert self.session_id is not None, "open() first"
        return inbound.conversation_of(self.session_id) or ""

    async def send(self, message: str, **metadata: Any) -> None:
        body = {"message": message, "session_id": self.session_id, "metadata": {"language": "en-GB", **metadata}}
        await self.client.emit("user_uttered", body)

    async def until(self, done: Callable[[list[dict[str, Any]]], bool], start: int = 0) -> list[dict[str, Any]]:
        """Replies from index `start` on, once `done` is true of them (or fail after a minute)."""
        deadline = asyncio.get_running_loop().time() + REPLY_TIMEOUT_S
        while not done(self.received[start:]):
            self.arrived.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no such reply; got {self.received[start:]}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)
        return self.received[start:]

    async def say(self, message: str, done: Callable[[list[dict[str, Any]]], bool], **metadata: Any) -> list[dict]:
        start = len(self.received)
        await self.send(message, **metadata)
        return await self.until(done, start)

    async def close(self) -> None:
        """Like closing a tab: drop the connection (a polite disconnect waits out the ~30 s long poll)."""
        engine = self.client.eio
        await engine.disconnect(abort=True)
        loops = [task for task in (engine.read_loop_task, engine.write_loop_task) if task]
        for task in loops:
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        if engine.http is not None and not engine.http.closed:
            await engine.http.close()


def texts(replies: list[dict[str, Any]]) -> str:
    return " ".join(reply.get("text", "") for reply in replies)


def has_text(words: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda replies: words in texts(replies)


def has_choices(replies: list[dict[str, Any]]) -> bool:
    return any(reply.get("quick_replies") for reply in replies)


def payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [choice["payload"] for reply in replies for choice in reply.get("quick_replies") or []]


def api(steady: tuple[Steady, str], path: str, body: Any = None) -> Any:
    servers, token = steady
    request = urllib.request.Request(
        f"http://127.0.0.1:{servers.ports.rasa}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def user_events(steady: tuple[Steady, str], conversation: str) -> list[dict[str, Any]]:
    tracker = api(steady, f"/conversations/{conversation}/tracker")
    return [event for event in tracker["events"] if event["event"] == "user"]


def history(steady: tuple[Steady, str], session_id: Any) -> tuple[int, dict[str, Any]]:
    servers, _token = steady
    request = urllib.request.Request(
        f"http://127.0.0.1:{servers.ports.web}/api/history",
        data=json.dumps({"session_id": session_id}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def channel_metadata(event: dict[str, Any]) -> dict[str, Any]:
    """A user event's metadata without the keys Rasa itself adds (model_id, assistant_id)."""
    return {key: value for key, value in event.get("metadata", {}).items() if key not in ("model_id", "assistant_id")}


def new_id() -> str:
    return secrets.token_hex(32)


@contextlib.asynccontextmanager
async def new_chat(steady: tuple[Steady, str]) -> AsyncIterator[Chat]:
    """A tab on a new conversation, closed afterwards whatever happened in it."""
    chat = Chat(steady[0].ports.web)
    await chat.open(new_id())
    try:
        yield chat
    finally:
        await chat.close()


# -- the tests


@pytest.mark.asyncio
async def test_replies_reach_the_session_room_and_every_tab_of_it(steady: tuple[Steady, str]) -> None:
    first, second = Chat(steady[0].ports.web), Chat(steady[0].ports.web)
    session_id = new_id()
    try:
        assert await first.open(session_id) == session_id
        assert await second.open(session_id) == session_id, "a reload joins the same conversation"
        await first.say("hi", has_text("automated assistant"))
        await second.until(has_text("automated assistant"))
    finally:
        await first.close()
        await second.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("asked", [None, "abc", "0" * 64, "ABCDEF0123456789" * 4, "../" + "a1b2c3d4e5f6" * 4, 12345])
async def test_a_session_id_that_is_not_a_long_random_token_is_replaced(steady: tuple[Steady, str], asked: Any) -> None:
    chat = Chat(steady[0].ports.web)
    try:
        confirmed = await chat.open(asked)
    finally:
        await chat.close()
    assert confirmed != asked
    assert len(confirmed) >= 32 and all(char in "0123456789abcdef" for char in confirmed)


@pytest.mark.asyncio
async def test_typed_slash_commands_are_neutralised_and_metadata_is_steadys_own(steady: tuple[Steady, str]) -> None:
    async with new_chat(steady) as chat:
        await chat.say("hi", has_choices, channel="telegram", counselor=True)
        guessed = api(steady, f"/conversations/{chat.conversation}/tracker")["slots"]["country_guess"]
        await chat.say('  /inform_country{"country": "FR"}', lambda replies: bool(replies))
    hello, typed = user_events(steady, chat.conversation)
    assert channel_metadata(hello) == {"channel": "webchat", "country_guess": "GB"}, (
        "the browser's other keys are dropped"
    )
    assert guessed == "GB", "the browser's region is the first guess of where the person is (named, never silent)"
    assert typed["text"] == 'inform_country{"country": "FR"}', "no leading slash, so Rasa cannot force the intent"


@pytest.mark.asyncio
async def test_only_a_click_on_a_button_steady_offered_may_start_with_a_slash(steady: tuple[Steady, str]) -> None:
    async with new_chat(steady) as chat:
        greeting = await chat.say("hi", has_choices)
        offered = payloads(greeting)
        assert "/mood_anxious" in offered
        forged = "/goodbye"
        assert forged not in offered
        await chat.say(forged, lambda replies: bool(replies), button=True, title="Bye")
        forged_event = user_events(steady, chat.conversation)[-1]
        replies = await chat.say("I'm anxious", has_choices)
        clicked = next(payload for payload in payloads(replies) if payload.startswith("/request_exercise"))
        await chat.say(clicked, has_choices, button=True, title="An exercise")
        clicked_event = user_events(steady, chat.conversation)[-1]
    assert forged_event["text"] == forged.lstrip("/"), "a button Steady did not offer counts as typed"
    assert "button" not in channel_metadata(forged_event)
    assert clicked_event["text"] == clicked
    assert clicked_event["parse_data"]["intent"]["name"] == "request_exercise"
    assert channel_metadata(clicked_event) == {
        "channel": "webchat",
        "country_guess": "GB",
        "button": True,
        "title": "An exercise",
    }


@pytest.mark.asyncio
async def test_an_over_long_or_empty_message_gets_a_clear_reply_and_goes_no_further(
    steady: tuple[Steady, str],
) -> None:
    async with new_chat(steady) as chat:
        too_long = await chat.say("a" * 2001, has_text("too long"))
        empty = await chat.say("  //  ", has_text("type a message"))
    assert "2,001 characters" in texts(too_long) and "2,000" in texts(too_long)
    assert "Need urgent help?" in texts(too_long)
    assert len(empty) == 1
    assert user_events(steady, chat.conversation) == []


@pytest.mark.asyncio
async def test_a_counselor_message_through_rasas_api_reaches_the_person(steady: tuple[Steady, str]) -> None:
    async with new_chat(steady) as chat:
        await chat.say("hi", has_choices)
        words = "This is Sam, a counselor. I'm here with you now."
        start = len(chat.received)
        api(
            steady,
            f"/conversations/{chat.conversation}/tracker/events?output_channel=latest&execute_side_effects=true",
            {"event": "bot", "text": words},
        )
        pushed = await chat.until(has_text(words), start)
    assert pushed[-1] == {"text": words}


@pytest.mark.asyncio
async def test_the_breathing_pacer_arrives_as_one_custom_payload(steady: tuple[Steady, str]) -> None:
    async with new_chat(steady) as chat:
        await chat.say("hi", has_choices)
        menu = await chat.say("I'm feeling anxious", has_choices)
        breathing = next(payload for payload in payloads(menu) if '"breathing"' in payload)
        await chat.say(breathing, has_choices, button=True, title="Breathing")
        for answer in ["7", "box"]:
            await chat.say(answer, has_choices)
        replies = await chat.say("3", lambda replies: any("custom" in reply for reply in replies))
    pacer = next(reply["custom"] for reply in replies if "custom" in reply)
    assert pacer["type"] == "breathing_pacer" and pacer["rounds"] == 3
    assert [phase["phase"] for phase in pacer["phases"]] == ["in", "hold", "out", "hold"]
    assert pacer["total_seconds"] == 3 * sum(phase["seconds"] for phase in pacer["phases"])


@pytest.mark.asyncio
async def test_history_shows_one_conversation_to_its_own_id_only(steady: tuple[Steady, str]) -> None:
    async with new_chat(steady) as chat:
        await chat.say("hi", has_choices)
        await chat.say("/mood_anxious", has_choices, button=True, title="Anxious or panicky")
        await chat.say("<b>my own words</b>", lambda replies: bool(replies))
    status, body = history(steady, chat.session_id)
    assert status == 200
    said = [message["text"] for message in body["messages"] if message["from"] == "user"]
    assert said == ["hi", "Anxious or panicky", "<b>my own words</b>"], "titles, not payloads; text as typed"
    assert any("automated assistant" in message.get("text", "") for message in body["messages"])
    assert all(set(message) <= {"from", "text", "buttons", "custom"} for message in body["messages"])
    assert history(steady, new_id()) == (200, {"messages": []})
    assert history(steady, chat.conversation) == (200, {"messages": []}), "a conversation id opens nothing"
    assert history(steady, "not-a-session")[0] == 400
    assert history(steady, (chat.session_id or "")[:-1] + "%")[0] == 400
