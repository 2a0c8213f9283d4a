"""Starts every part of Steady, waits until each answers, prints where to chat; Ctrl-C stops them all.

Parts: the action server, the Rasa server, the chat page, the counselor console, the escalation
notifier and the reminder worker, all on the database named by STEADY_DATABASE_URL (SQLite under
var/ by default).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot import config, logs
from bot.crisis import warn_if_unreviewed
from bot.db import get_engine
from bot.escalation.status import alerting

MODEL = config.REPO_ROOT / "models" / "steady.tar.gz"
STARTUP_TIMEOUT_S = 300


@dataclass
class Ports:
    rasa: int = field(default_factory=config.rasa_port)
    actions: int = field(default_factory=config.actions_port)
    web: int = field(default_factory=config.web_port)
    console: int = field(default_factory=config.console_port)
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
    env = config.process_environment()
    env.update(
        PYTHONPATH=str(config.REPO_ROOT),
        SANIC_HOST="127.0.0.1",
        # Sanic (the action server) closes idle connections after 5 s, while Rasa's client reuses them
        # for 15 s: under load an action call then fails ("Cannot write to closing transport") and
        # e.g. the escalation is lost. The server must keep them longer than the client does.
        SANIC_KEEP_ALIVE_TIMEOUT="30",
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


def rasa_part(port: int, name: str = "Rasa server", credentials: str = "credentials.yml", model: Path = MODEL) -> Part:
    """A Rasa server on loopback with the HTTP API on for the counselor console. The launcher
    (bot/rasa_server.py) reads the API token from the settings, so it is never on the command line."""
    command = [
        sys.executable,
        "-m",
        "bot.rasa_server",
        "--model",
        str(model),
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


def rasa_parts(ports: Ports, model: Path = MODEL) -> list[Part]:
    """The first Rasa server has every channel (Telegram polls from one place; the widget's sockets and
    the console's API meet there); the others take the chat page's REST traffic, spread by conversation
    id. All share the database and the lock files, so any of them may handle any conversation."""
    first = rasa_part(ports.rasa, model=model)
    if not ports.rasa_more:
        return [first]
    rest_only = config.var_dir() / "build" / "credentials-rest.yml"
    rest_only.parent.mkdir(parents=True, exist_ok=True)
    rest_only.write_text("rest:\n")
    more = [rasa_part(port, f"Rasa server {n}", str(rest_only), model)
            for n, port in enumerate(ports.rasa_more, start=2)]
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


STOP_TIMEOUT_S = 15.0


def stop(running: list[Part]) -> None:
    """Stop every part, always to the end: further SIGTERM/SIGINT are ignored while stopping;
    each part's process group gets SIGTERM, and whatever is left after STOP_TIMEOUT_S gets SIGKILL."""
    with _signals_ignored():
        _stop_parts(running)
    forget_parts()


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """SIGTERM and SIGINT ignored (in the main thread), then the earlier handlers back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    earlier = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in earlier.items():
            signal.signal(signum, handler)


def _stop_parts(running: list[Part]) -> None:
    started = [part.process for part in running if part.process]
    for process in started:
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in started:
        _signal_group(process.pid, signal.SIGKILL)  # also children a part left behind in its group
        process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


# -- parts left running by an earlier run (its launcher killed with SIGKILL, a crash, a reboot of the shell)


def parts_file() -> Path:
    return config.var_dir() / "run" / "parts.json"


def remember_parts(running: list[Part]) -> None:
    """Write which process groups this run started, so a later run can find leftovers."""
    path = parts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    started = [
        {"name": part.name, "pid": part.process.pid, "command": part.command} for part in running if part.process
    ]
    path.write_text(json.dumps(started))


def forget_parts() -> None:
    parts_file().unlink(missing_ok=True)


def _command_of(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").rstrip("\0").split("\0")


def stop_leftovers() -> list[str]:
    """Stop the parts an earlier run left running (only processes still running the recorded command);
    returns their names."""
    try:
        recorded = json.loads(parts_file().read_text())
    except (OSError, ValueError):
        return []
    alive = [entry for entry in recorded if _command_of(entry["pid"]) == entry["command"]]
    for entry in alive:
        _signal_group(entry["pid"], signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(_command_of(entry["pid"]) for entry in alive) and time.monotonic() < deadline:
        time.sleep(0.2)
    for entry in alive:
        _signal_group(entry["pid"], signal.SIGKILL)
    forget_parts()
    return [entry["name"] for entry in alive]


_interrupted = False


def _interrupt(*_args: object) -> None:
    """SIGTERM/SIGINT: the first one interrupts the launcher (which then stops every part); repeats do
    nothing, so a signal that arrives while stopping can never cut stop() short."""
    global _interrupted
    if _interrupted:
        return
    _interrupted = True
    raise KeyboardInterrupt


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
    logs.tidy(log_dir)  # owner-only, rotated, old ones deleted (bot/logs.py)
    get_engine()  # create the database and tables before anything writes
    warn_if_unreviewed()
    env = environment(ports)
    running = parts(ports, shell=args.shell)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    leftovers = stop_leftovers()
    if leftovers:
        print(f"==> Stopped parts an earlier run left running: {', '.join(leftovers)}")
    try:
        print("==> Starting Steady (the model takes about a minute to load)")
        for part in running:
            start(part, env, log_dir)
            remember_parts(running)
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
