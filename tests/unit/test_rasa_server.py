"""The in-process Rasa launcher: the API token stays off the command line and out of URLs, and
action server responses get the same verdicts from the validator compiled once."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import aiohttp
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from sanic import Sanic

from bot import rasa_server, sanic_websocket
from bot import run as steady_run
from bot.run import free_port

TOKEN = "a-rasa-api-token-9f2c"
STOCK_VALIDATE = RemoteAction._validate_action_result


def test_the_rasa_command_line_holds_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_RASA_API_TOKEN", TOKEN)
    command = steady_run.rasa_part(free_port()).command
    assert "--enable-api" in command
    assert not any(TOKEN in word for word in command), "anyone on the machine reads argv with `ps`"
    assert "--auth-token" not in command


def test_the_launcher_takes_the_token_from_the_settings_and_refuses_it_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEADY_RASA_API_TOKEN", TOKEN)
    args = rasa_server.parse(["--model", "m.tar.gz", "--port", "5999", "--enable-api"])
    assert args.auth_token == TOKEN and args.port == 5999
    for refused in (["--auth-token", TOKEN], [f"--auth-token={TOKEN}"]):
        with pytest.raises(SystemExit):
            rasa_server.parse(["--enable-api", *refused])


async def status_of(app: Sanic, path: str, headers: dict[str, str] | None = None) -> int:
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        url = f"http://127.0.0.1:{port}{path}"
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as reply:
            return reply.status
    finally:
        server.close()
        await server.wait_closed()


def rasa_app(monkeypatch: pytest.MonkeyPatch) -> Sanic:
    """Rasa's own HTTP API (no model loaded) after the launcher's changes (undone after the test)."""
    import rasa.server

    monkeypatch.setattr(rasa.server, "requires_auth", rasa.server.requires_auth)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", STOCK_VALIDATE)
    monkeypatch.setattr(Event, "resolve_by_type", Event.resolve_by_type)
    for cls, name in sanic_websocket.patched_methods():
        monkeypatch.setattr(cls, name, getattr(cls, name))
    rasa_server.install()
    monkeypatch.setattr(Sanic, "test_mode", True)
    return rasa.server.create_app(auth_token=TOKEN)


@pytest.mark.parametrize(
    ("path", "headers", "allowed"),
    [
        ("/status", {"Authorization": f"Bearer {TOKEN}"}, True),
        ("/status", None, False),
        (f"/status?token={TOKEN}", None, False),  # the token must never travel in a URL
        ("/status", {"Authorization": "Bearer wrong-token"}, False),
        ("/status", {"Authorization": f"Bearer {TOKEN}x"}, False),
        ("/status", {"Authorization": TOKEN}, False),
        ("/conversations/123/tracker", {"Authorization": f"Bearer {TOKEN}"}, True),
        ("/conversations/123/tracker", None, False),
    ],
)
def test_the_api_takes_the_token_only_as_a_bearer_header(
    path: str, headers: dict[str, str] | None, allowed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = asyncio.run(status_of(rasa_app(monkeypatch), path, headers))
    assert (status != 401) is allowed, status


def test_the_token_comparison_is_exact() -> None:
    assert rasa_server.token_matches(f"Bearer {TOKEN}", TOKEN)
    assert not rasa_server.token_matches(f"Bearer {TOKEN[:-1]}", TOKEN)
    assert not rasa_server.token_matches("Bearer ", "")
    assert not rasa_server.token_matches(None, TOKEN)


VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "mood", "value": "low"}], "responses": [{"text": "ok"}]},
    {"events": [{"event": "followup", "name": "action_listen"}]},
    {},
]
MALFORMED = [
    [],
    {"events": "slot"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "mood"}]},
    {"responses": ["just text"]},
    {"events": [{"event": "slot", "name": "mood", "value": "x"}], "responses": {"text": "not a list"}},
]


def verdict(validate: Any, result: Any) -> str:
    try:
        validate(copy.deepcopy(result))
        return "accepted"
    except jsonschema.ValidationError as error:
        return f"refused: {error.message}"


@pytest.mark.parametrize("result", VALID + MALFORMED)
def test_the_compiled_validator_gives_jsonschemas_verdicts(result: Any) -> None:
    action = RemoteAction("action_anything", None)
    stock = verdict(lambda r: STOCK_VALIDATE(action, r), result)
    compiled = verdict(lambda r: rasa_server.compiled_action_validator()(action, r), result)
    assert compiled == stock
    assert compiled.startswith("accepted" if result in VALID else "refused")


def test_remembered_event_classes_are_the_ones_rasa_finds() -> None:
    remembered = rasa_server.remembered_event_classes()
    for name in {event_class.type_name for event_class in all_subclasses(Event)}:
        assert remembered(name) is Event.resolve_by_type(name)
        assert remembered(name) is Event.resolve_by_type(name), "and again, from memory"
    assert remembered("no_such_event", SlotSet) is SlotSet
    assert remembered("topic") is None
    with pytest.raises(ValueError):
        remembered("no_such_event")
    assert remembered("user", SlotSet) is UserUttered


def a_tracker_state() -> dict[str, Any]:
    """What Rasa posts to the action server: a tracker with unicode, floats, slashes and nesting."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("s/1", [
        ActionExecuted("action_listen"),
        UserUttered("i can’t breathe 😟 http://x/y \\ \"quoted\"", {"name": "risk", "confidence": 0.1 + 0.2},
                    parse_data={"risk": {"score": 1e-7, "hits": [{"start": 0, "end": 3}]}}),
        SlotSet("exercise_answers", {"see": ["desk", "lamp"], "rating": 7.25}),
    ])
    return {"next_action": "action_x", "sender_id": "s/1", "tracker": tracker.current_state(), "version": "3.6"}


def test_action_requests_carry_the_same_json_as_the_standard_library() -> None:
    state = a_tracker_state()
    assert json.loads(rasa_server.fast_json_dumps(state)) == json.loads(json.dumps(state))
    assert rasa_server.fast_json_dumps({"x": float("nan")}).replace(" ", "") == '{"x":NaN}'  # as json.dumps writes it
    assert json.loads(rasa_server.fast_json_dumps({"x": 2**70})) == {"x": 2**70}
    with pytest.raises(TypeError):
        rasa_server.fast_json_dumps({"x": object()})  # refused as json.dumps refuses it


@pytest.mark.asyncio
async def test_the_endpoint_sessions_use_the_fast_serialiser() -> None:
    from rasa.utils.endpoints import EndpointConfig

    session = rasa_server.fast_json_sessions()(EndpointConfig("http://127.0.0.1:1/webhook", headers={"a": "b"}))
    try:
        assert session._json_serialize is rasa_server.fast_json_dumps
        assert session.headers["a"] == "b"
    finally:
        await session.close()
