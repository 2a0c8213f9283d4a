"""Starts every part of Steady, waits until each answers, prints where to chat; Ctrl-C stops them all.

Parts: the action server, the Rasa server, the chat page, the counselor console, the escalation
notifier and the reminder worker, all on the database named by STEADY_DATABASE_URL (SQLite under
var/ by default).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot import config
from bot.crisis import warn_if_unreviewed
from bot.db import get_engine
from bot.escalation.status import alerting

MODEL = config.REPO_ROOT / "models" / "steady.tar.gz"
STARTUP_TIMEOUT_S = 300


@dataclass
class Ports:
    rasa: int = int(os.environ.get("STEADY_RASA_PORT", "5005"))
    actions: int = int(os.environ.get("STEADY_ACTIONS_PORT", "5055"))
    web: int = int(os.environ.get("STEADY_WEB_PORT", "8000"))
    console: int = int(os.environ.get("STEADY_CONSOLE_PORT", "8080"))
    rasa_more: tuple[int, ...] = ()  # more Rasa servers, each handling the conversations whose ids hash to it


def local_ports() -> Ports:
    """The `make run` layout: one Rasa server per core (STEADY_RASA_PROCESSES), on the ports after the first."""
    ports = Ports()
    ports.rasa_more = tuple(ports.rasa + n for n in range(1, config.rasa_processes()))
    return ports


@dataclass
class Part:
    name: str
    command: list[str]
    health_url: str | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)


def environment(ports: Ports) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(config.REPO_ROOT),
        SANIC_HOST="127.0.0.1",
        STEADY_ACTION_ENDPOINT=f"http://127.0.0.1:{ports.actions}/webhook",
        STEADY_RASA_URL=f"http://127.0.0.1:{ports.rasa}",
        STEADY_RASA_URLS=",".join(f"http://127.0.0.1:{port}" for port in (ports.rasa, *ports.rasa_more)),
        STEADY_RASA_API_TOKEN=config.rasa_api_token(),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


def free_port() -> int:
    """A port on loopback nobody is listening on (for tests and benchmarks that start servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa_part(port: int, name: str = "Rasa server", credentials: str = "credentials.yml") -> Part:
    """A Rasa server on loopback with the HTTP API on for the counselor console. The launcher
    (bot/rasa_server.py) reads the API token from the settings, so it is never on the command line."""
    command = [
        sys.executable,
        "-m",
        "bot.rasa_server",
        "--model",
        str(MODEL),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        credentials,
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--enable-api",
    ]
    return Part(name, command, f"http://127.0.0.1:{port}/")


def rasa_parts(ports: Ports) -> list[Part]:
    """The first Rasa server has every channel (Telegram polls from one place; the widget's sockets and
    the console's API meet there); the others take the chat page's REST traffic, spread by conversation
    id. All share the database and the lock files, so any of them may handle any conversation."""
    first = rasa_part(ports.rasa)
    if not ports.rasa_more:
        return [first]
    rest_only = config.var_dir() / "build" / "credentials-rest.yml"
    rest_only.parent.mkdir(parents=True, exist_ok=True)
    rest_only.write_text("rest:\n")
    more = [rasa_part(port, f"Rasa server {n}", str(rest_only)) for n, port in enumerate(ports.rasa_more, start=2)]
    return [first, *more]


def parts(ports: Ports, shell: bool = False) -> list[Part]:
    py = sys.executable
    actions = Part(
        "action server",
        [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ports.actions)],
        f"http://127.0.0.1:{ports.actions}/health",
    )
    notifier = Part("escalation notifier", [py, "-m", "bot.escalation.worker"])
    if shell:
        return [actions, notifier]
    web = Part(
        "chat page", [py, "-m", "bot.web.server", "--port", str(ports.web)], f"http://127.0.0.1:{ports.web}/health"
    )
    console = Part(
        "counselor console",
        [py, "-m", "bot.console.server", "--port", str(ports.console)],
        f"http://127.0.0.1:{ports.console}/login",
    )
    reminders = Part("reminder worker", [py, "-m", "bot.reminders.worker"])
    running = [actions, *rasa_parts(ports), web, console, notifier, reminders]
    if config.retention_days():
        running.append(Part("retention", [py, "-m", "bot.retention", "--every-hours", "6"]))
    return running


def start(part: Part, env: dict[str, str], log_dir: Path) -> None:
    log = (log_dir / f"{part.name.replace(' ', '-')}.log").open("ab")
    part.process = subprocess.Popen(
        part.command, cwd=config.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(running: list[Part], log_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    pending = [part for part in running if part.health_url]
    while pending:
        for part in running:
            if part.process and part.process.poll() is not None:
                raise RuntimeError(f"The {part.name} stopped while starting; see {log_dir}/ for its log.")
        pending = [part for part in pending if not answers(part.health_url or "")]
        if time.monotonic() > deadline:
            names = ", ".join(part.name for part in pending)
            raise RuntimeError(f"Timed out waiting for: {names}; see {log_dir}/ for logs.")
        time.sleep(1)


def stop(running: list[Part]) -> None:
    for part in running:
        if part.process and part.process.poll() is None:
            os.killpg(part.process.pid, signal.SIGTERM)
    for part in running:
        if part.process:
            try:
                part.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(part.process.pid, signal.SIGKILL)


def supervise(running: list[Part]) -> None:
    """Wait until Ctrl-C or until any part dies (then say which, and stop the rest)."""
    while True:
        for part in running:
            if part.process and part.process.poll() is not None:
                print(f"\nThe {part.name} stopped unexpectedly (exit {part.process.returncode}).", file=sys.stderr)
                return
        time.sleep(1)


def startup_warnings() -> list[str]:
    """What the team must know once everything answers (the notifier has had time for a first pass)."""
    nobody_alerted = alerting().warning()
    return [nobody_alerted] if nobody_alerted else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="chat in this terminal instead of the web page")
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print("No trained model yet: run `make run` (it trains first).", file=sys.stderr)
        return 1
    ports, log_dir = local_ports(), config.var_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    get_engine()  # create the database and tables before anything writes
    warn_if_unreviewed()
    env = environment(ports)
    running = parts(ports, shell=args.shell)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        print("==> Starting Steady (the model takes about a minute to load)")
        for part in running:
            start(part, env, log_dir)
        wait_until_ready(running, log_dir)
        if args.shell:
            shell = [sys.executable, "-m", "rasa", "shell", "--model", str(MODEL), "--endpoints", "endpoints.yml"]
            return subprocess.call(shell, cwd=config.REPO_ROOT, env=env)
        for warning in startup_warnings():
            print(f"\nWARNING: {warning}", file=sys.stderr)
        print(
            f"\nSteady is running. Chat at http://localhost:{ports.web}\n"
            f"Counselor console: http://localhost:{ports.console} "
            "(create an account: .venv/bin/python -m bot.console.accounts create NAME --role supervisor)\n"
            f"Logs: {log_dir}/  Database: {config.database_url().split('@')[-1]}\nPress Ctrl-C to stop.\n"
        )
        supervise(running)
        return 1
    except KeyboardInterrupt:
        print("\n==> Stopping Steady")
        return 0
    except RuntimeError as error:
        print(f"\n{error}", file=sys.stderr)
        return 1
    finally:
        stop(running)


if __name__ == "__main__":
    sys.exit(main())
