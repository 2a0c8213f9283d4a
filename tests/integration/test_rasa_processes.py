"""The default layout on one machine: two Rasa servers on one SQLite file and lock files, no Redis.

Messages of one conversation sent to both servers at once are handled one at a time and every
event is stored once; a risk message on either server gets the crisis reply from Rasa itself and
one escalation; the API token is on no command line.

Needs the trained model (make test trains it first). Starting two Rasa servers takes a minute or two.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from bot import config
from bot import run as steady_run
from bot.conversations import event_data
from bot.db import Escalation, engine_for, session_scope
from bot.pseudonym import pseudonymise
from tests.support.servers import MODEL_HINT, free_port, post_json, private_steady_env

pytestmark = pytest.mark.integration
TOKEN = "rasa-processes-test-token-5b1e"
HELPLINES = yaml.safe_load((config.CONTENT_DIR / "helplines.yml").read_text())


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[int], list[steady_run.Part]]]:
    if not steady_run.MODEL.exists():
        pytest.fail(MODEL_HINT)
    var_dir: Path = tmp_path_factory.mktemp("rasa-processes")
    with private_steady_env(var_dir) as env:
        ports = steady_run.Ports(
            rasa=free_port(), actions=free_port(), web=free_port(), console=free_port(), rasa_more=(free_port(),)
        )
        full_env = {**steady_run.environment(ports), **env, "STEADY_RASA_API_TOKEN": TOKEN, "TELEGRAM_BOT_TOKEN": ""}
        full_env.pop("STEADY_REDIS_URL", None)
        engine_for(env["STEADY_DATABASE_URL"])
        parts = [steady_run.parts(ports)[0], *steady_run.rasa_parts(ports)]
        for part in parts:
            steady_run.start(part, full_env, var_dir)
        try:
            steady_run.wait_until_ready(parts, var_dir)
            yield [ports.rasa, *ports.rasa_more], parts
        finally:
            steady_run.stop(parts)


def say(port: int, sender: str, message: str) -> list[dict]:
    return post_json(f"http://127.0.0.1:{port}/webhooks/rest/webhook", {"sender": sender, "message": message})


def stored_user_texts(sender: str) -> list[str]:
    query = text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id")
    with engine_for(config.database_url()).connect() as connection:
        rows = connection.execute(query, {"sender": sender}).fetchall()
    return [event_data(row[0])["text"] for row in rows]


def test_one_conversation_on_both_servers_at_once_loses_and_repeats_nothing(two_servers: tuple) -> None:
    ports, _parts = two_servers
    person = uuid.uuid4().hex
    say(ports[0], person, "hi")
    messages = [f"still feeling low, message {n}" for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda pair: say(ports[pair[0] % 2], person, pair[1]), enumerate(messages)))
    assert all(replies), "every message got a reply"
    stored = stored_user_texts(person)
    assert stored[0] == "hi" and sorted(stored[1:]) == sorted(messages), "each message stored exactly once"
    tracker = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{ports[0]}/conversations/{person}/tracker",
                headers={"Authorization": f"Bearer {TOKEN}"},
            ),
            timeout=60,
        ).read()
    )
    kinds = [event["event"] for event in tracker["events"]]
    assert kinds.count("user") == len(messages) + 1
    assert kinds[-1] == "action", "every turn ended listening: no two turns interleaved"


def test_a_risk_message_on_the_second_server_gets_the_crisis_reply_and_one_escalation(two_servers: tuple) -> None:
    ports, _parts = two_servers
    person = uuid.uuid4().hex
    replies = say(ports[1], person, "i want to kill myself tonight")
    contacts = [service["contact"] for service in HELPLINES["fallback"]["services"]]
    assert any(contact in replies[0].get("text", "") for contact in contacts), "crisis resources straight away"
    say(ports[0], person, "i wrote goodbye letters to my family")
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        escalations = session.query(Escalation).filter(Escalation.pseudonym == pseudonymise(person)).all()
        assert len(escalations) == 1 and escalations[0].risk_count >= 2


def test_no_rasa_command_line_holds_the_api_token(two_servers: tuple) -> None:
    _ports, parts = two_servers
    rasa = [part for part in parts if part.name.startswith("Rasa server")]
    assert len(rasa) == 2
    for part in rasa:
        assert part.process is not None
        argv = Path(f"/proc/{part.process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"--enable-api" in argv and not any(TOKEN.encode() in word for word in argv), "visible in `ps`"
