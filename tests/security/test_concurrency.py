"""Two faults the fuzz test (test_fuzz.py) found under load, each checked directly here."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path

import aiohttp

from bot import run
from bot.db import engine_for


def test_threads_opening_a_new_database_at_once_do_not_break_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    start, failures = threading.Barrier(6), []

    def open_it() -> None:
        start.wait()
        try:
            engine_for(url)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            failures.append(repr(error))

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_the_action_server_keeps_idle_connections_longer_than_rasas_client_reuses_them() -> None:
    client_keeps = inspect.signature(aiohttp.TCPConnector).parameters["keepalive_timeout"].default
    client_keeps = 15.0 if client_keeps in (None, inspect.Parameter.empty) or not isinstance(client_keeps, float) \
        else client_keeps  # aiohttp's documented default
    env = run.environment(run.Ports())
    assert float(env.get("SANIC_KEEP_ALIVE_TIMEOUT", "5")) > client_keeps
