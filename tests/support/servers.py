"""Start Steady's real servers (from the project's own files) on free loopback ports for a test."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import run as steady_run
from bot.db import engine_for
from bot.run import free_port

MODEL_HINT = "No trained model at models/steady.tar.gz: run `make test` (it trains first)."


@dataclass
class Steady:
    ports: steady_run.Ports
    parts: list[steady_run.Part]
    log_dir: Path

    def part(self, name: str) -> steady_run.Part:
        return next(part for part in self.parts if part.name == name)

    def say(self, sender: str, text: str | None = None, payload: str | None = None) -> list[dict[str, Any]]:
        """One message through the chat page's API, as the browser sends it."""
        body = {"sender": sender, **({"text": text} if text is not None else {"payload": payload})}
        return post_json(f"http://127.0.0.1:{self.ports.web}/api/messages", body)["messages"]


def post_json(url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    """POST a JSON body and read the JSON answer."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def start_steady(env: dict[str, str], log_dir: Path) -> Steady:
    if not steady_run.MODEL.exists():
        raise RuntimeError(MODEL_HINT)
    ports = steady_run.Ports(rasa=free_port(), actions=free_port(), web=free_port(), console=free_port())
    engine_for(env["STEADY_DATABASE_URL"])  # migrate once, before several processes open the database
    full_env = {**steady_run.environment(ports), "TELEGRAM_BOT_TOKEN": "", **env}  # never the real Telegram
    parts = steady_run.parts(ports)
    start_parts(parts, full_env, log_dir)
    return Steady(ports, parts, log_dir)


def start_parts(parts: list[steady_run.Part], env: dict[str, str], log_dir: Path) -> None:
    """Start every part and wait until each answers; if one never does, stop them all and raise."""
    for part in parts:
        steady_run.start(part, env, log_dir)
    try:
        steady_run.wait_until_ready(parts, log_dir)
    except RuntimeError:
        steady_run.stop(parts)
        raise


@contextmanager
def running_steady(var_dir: Path, settings: dict[str, str] | None = None) -> Iterator[Steady]:
    """Every part of Steady on a private database under var_dir (with `settings` on top), stopped
    when the block ends: a test module's `steady` fixture."""
    with private_steady_env(var_dir) as env:
        servers = start_steady({**env, **(settings or {})}, var_dir)
        try:
            yield servers
        finally:
            steady_run.stop(servers.parts)


@contextmanager
def private_steady_env(var_dir: Path, pseudonym_key: str = "integration-key") -> Iterator[dict[str, str]]:
    """Settings for servers started by a test module: a private SQLite file, keys and on-call path.
    This process sees them too (to read the same database) until the block ends."""
    env = {
        "STEADY_VAR_DIR": str(var_dir),
        "STEADY_DATABASE_URL": f"sqlite:///{var_dir / 'steady.db'}",
        "STEADY_PSEUDONYM_KEY": pseudonym_key,
        "STEADY_ONCALL_FILE": str(var_dir / "oncall.yml"),
        # The suites drive dozens of conversations from one address; the limits have their own tests
        # (tests/security/test_public_limits.py).
        "STEADY_RATE_LIMIT_SCALE": "100",
    }
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
