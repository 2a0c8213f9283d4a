"""Scale-out: two Rasa servers share one PostgreSQL database and a Redis lock store.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and Redis on 127.0.0.1:6379. Where
they are not running the test is skipped with that reason; in CI (CI=true) it fails instead.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from bot import run as steady_run
from bot.console.queue import active_escalations
from bot.db import Escalation, UsageEvent, engine_for, session_scope
from bot.exercises import load_exercises
from bot.pseudonym import pseudonymise
from tests.support.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
PG_ADMIN = "dbname=postgres user=postgres host=127.0.0.1 port=5432"


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require_services() -> None:
    missing = [name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not reachable(port)]
    if missing:
        reason = f"needs {' and '.join(missing)} on 127.0.0.1 (see README, Scaling out)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    require_services()
    name = f"steady_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    engine_for(f"postgresql://postgres@127.0.0.1:5432/{name}").dispose()
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


PSEUDONYM_KEY = b"scale-key"  # the servers' key: escalations are found by the pseudonym they computed


@pytest.fixture(scope="module")
def two_servers(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    log_dir: Path = tmp_path_factory.mktemp("scale-out")
    env = {
        "STEADY_DATABASE_URL": database,
        "STEADY_REDIS_URL": f"redis://127.0.0.1:6379/{7}",
        "STEADY_VAR_DIR": str(log_dir),
        "STEADY_PSEUDONYM_KEY": PSEUDONYM_KEY.decode(),
    }
    engine_for(database)  # migrate once before three processes open the database
    first = steady_run.Ports(rasa=free_port(), actions=free_port(), web=free_port(), console=free_port())
    second_rasa = free_port()
    full_env = {**steady_run.environment(first), **env}
    actions = steady_run.parts(first)[0]
    parts = [
        actions,
        steady_run.rasa_part(first.rasa, "Rasa server A"),
        steady_run.rasa_part(second_rasa, "Rasa server B"),
    ]
    for part in parts:
        steady_run.start(part, full_env, log_dir)
    before = {name: os.environ.get(name) for name in env}
    try:
        steady_run.wait_until_ready(parts, log_dir)
        os.environ.update(env)  # this process reads the store as the servers wrote it (same keys)
        yield [first.rasa, second_rasa]
    finally:
        steady_run.stop(parts)
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def say(port: int, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_one_conversation_alternates_between_two_servers_mid_exercise(two_servers: list[int], database: str) -> None:
    person = uuid.uuid4().hex
    grounding = load_exercises()["grounding"]
    prompts = [step.prompt for step in grounding.steps]
    say(two_servers[0], person, '/request_exercise{"exercise": "grounding"}')
    answers = ["7", "the lamp", "my sleeve", "traffic", "coffee", "mint", "3"]
    for turn, answer in enumerate(answers):
        replies = say(two_servers[turn % 2], person, answer)
        texts = [reply.get("text", "") for reply in replies]
        if turn < len(prompts):
            assert prompts[turn] in texts, f"server {turn % 2} lost the exercise state at turn {turn}"
    with session_scope(engine_for(database)) as session:
        kinds = [row.kind for row in session.query(UsageEvent).order_by(UsageEvent.id)]
    assert kinds[0] == "start" and kinds[-1] == "complete" and kinds.count("step") == 5


def test_risk_raised_on_both_servers_is_one_escalation(two_servers: list[int], database: str) -> None:
    person = uuid.uuid4().hex
    pseudonym = pseudonymise(person, PSEUDONYM_KEY)
    say(two_servers[0], person, "i want to kill myself")
    say(two_servers[1], person, "i wrote goodbye letters")
    with session_scope(engine_for(database)) as session:
        escalations = session.query(Escalation).filter(Escalation.pseudonym == pseudonym).all()
        assert len(escalations) == 1 and escalations[0].risk_count >= 2
    in_queue = [item for item in active_escalations() if item.pseudonym == pseudonym]
    assert len(in_queue) == 1, "the counselor console's queue shows it once"
