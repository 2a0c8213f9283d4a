"""Load benchmark: Steady beside a stock `rasa init` assistant on the same machine, one table of figures.

    python -m bot.tools.bench [--conversations 20] [--baseline-model old.tar.gz] [--skip-postgres] [--skip-rasa-init]

Set-ups, each started from scratch on free loopback ports, one after the other:
  rasa-init     the stock `rasa init` moodbot trained in this run, one Rasa server, in-memory tracker
  baseline      (with --baseline-model) another trained model (say, the one before a change to
                config.yml) with this checkout's code, one Rasa server, SQLite: before vs after in one run
  steady-1      this checkout, one Rasa server, SQLite
  steady        this checkout in the `make run` layout: one Rasa server per core (STEADY_RASA_PROCESSES),
                conversations spread by id as the chat page does it, SQLite and lock files
  pg+redis      two Rasa servers (round-robin per message), PostgreSQL + Redis (skipped if not running)
For each: one conversation alone (reply latency p50/p95), then N concurrent conversations (a greeting,
a whole grounding exercise, a risk message; the moodbot's own lines for rasa-init), then (Steady only)
one long conversation of --long messages alone: the median latency around its 10th and its 200th
message. Prints throughput and p95 as ratios to the moodbot, and the peak resident memory of each
process. Figures from a shared or busy machine are noisy: compare set-ups of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot import config
from bot import run as steady_run
from bot.db import engine_for
from bot.rasa_api import rasa_url_for
from bot.run import free_port

STEADY_SCRIPT = [
    "hi",
    "i feel really anxious",
    '/request_exercise{"exercise": "grounding"}',
    "7",
    "my desk, the lamp, a window",
    "my jumper",
    "a car outside",
    "coffee",
    "mint",
    "4",
    "everyone would be better off without me",
]
LONG_SCRIPT = STEADY_SCRIPT[:-1]  # repeated: a long, ordinary conversation (no risk message)
MOODBOT_SCRIPT = [
    "hi",
    "i am sad",
    "yes",
    "great, thanks",
    "bye",
    "hello",
    "very bad",
    "no",
    "i am happy",
    "goodbye",
    "hey",
]
PG_ADMIN = "dbname=postgres user=postgres host=127.0.0.1 port=5432"
ALONE_CONVERSATIONS = 3
Router = Callable[[str, int], str]  # (sender, turn) -> the Rasa server's base URL


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Result:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    alone_ms: list[float] = field(default_factory=list)
    long_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    peak_mb: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def around(self, message: int, width: int = 5) -> float:
        """Median latency of the long conversation's messages message-width .. message+width (1-based)."""
        chosen = self.long_ms[max(0, message - 1 - width) : message + width]
        return statistics.median(chosen) if chosen else 0.0

    def row(self, reference: Result | None) -> str:
        rate_ratio = self.rate / reference.rate if reference and reference.rate else 0.0
        p95 = percentile(self.latencies_ms, 95)
        p95_ratio = p95 / percentile(reference.latencies_ms, 95) if reference and reference.latencies_ms else 0.0
        long = f"{self.around(10):>6.0f} {self.around(200):>6.0f}" if self.long_ms else f"{'-':>6} {'-':>6}"
        return (
            f"{self.name:<10} {len(self.latencies_ms):>5} {percentile(self.latencies_ms, 50):>6.0f} {p95:>6.0f} "
            f"{self.rate:>6.1f} {rate_ratio:>6.2f}x {p95_ratio:>6.2f}x {self.errors:>4} "
            f"{percentile(self.alone_ms, 50):>6.0f} {percentile(self.alone_ms, 95):>6.0f} {long} "
            f"{max(self.peak_mb.values(), default=0):>7.0f}"
        )


HEADER = (
    f"{'set-up':<10} {'msgs':>5} {'p50':>6} {'p95':>6} {'msg/s':>6} {'rate/mb':>7} {'p95/mb':>7} {'err':>4} "
    f"{'1:p50':>6} {'1:p95':>6} {'#10':>6} {'#200':>6} {'max MB':>7}"
)
LEGEND = (
    "ms throughout. p50/p95/msg/s: N concurrent conversations; rate/mb, p95/mb: ratio to the moodbot (rasa-init);\n"
    "1:p50, 1:p95: one conversation alone; #10, #200: median around the 10th and 200th message of one long\n"
    "conversation alone; max MB: peak resident memory of the largest process (each process: below)."
)


def rss_mb(pid: int) -> float:
    """Resident memory of one process and its children, from /proc."""
    total_kb = 0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for one in [str(pid), *children]:
        try:
            status = Path(f"/proc/{one}/status").read_text()
            total_kb += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


class MemoryWatch(threading.Thread):
    """Peak resident memory of each named process while a set-up runs."""

    def __init__(self, processes: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.processes, self.peak, self.stopped = processes, dict.fromkeys(processes, 0.0), threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for name, pid in self.processes.items():
                self.peak[name] = max(self.peak[name], rss_mb(pid))
            self.stopped.wait(0.5)

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.join()
        return self.peak


async def converse(
    session: aiohttp.ClientSession, route: Router, script: list[str], latencies: list[float], result: Result
) -> None:
    sender = uuid.uuid4().hex
    for turn, text in enumerate(script):
        started = time.perf_counter()
        try:
            url = f"{route(sender, turn)}/webhooks/rest/webhook"
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                await response.read()
                if response.status != 200:
                    result.errors += 1
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError):
            result.errors += 1
            continue
        latencies.append((time.perf_counter() - started) * 1000)


async def drive(result: Result, route: Router, script: list[str], conversations: int, long: int) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for _ in range(ALONE_CONVERSATIONS):
            await converse(session, route, script, result.alone_ms, result)
        started = time.perf_counter()
        await asyncio.gather(
            *(converse(session, route, script, result.latencies_ms, result) for _ in range(conversations))
        )
        result.seconds = time.perf_counter() - started
        if long:
            repeated = (LONG_SCRIPT * (long // len(LONG_SCRIPT) + 1))[:long]
            await converse(session, route, repeated, result.long_ms, result)


def measure(
    name: str, parts: list[steady_run.Part], route: Router, script: list[str], args: argparse.Namespace, long: int
) -> Result:
    result = Result(name)
    watch = MemoryWatch({part.name: part.process.pid for part in parts if part.process})
    watch.start()
    try:
        asyncio.run(drive(result, route, script, args.conversations, long))
    finally:
        result.peak_mb = watch.stop()
    return result


def start_all(parts: list[steady_run.Part], env: dict[str, str], cwd: Path, log_dir: Path) -> None:
    for part in parts:
        log = (log_dir / f"{part.name.replace(' ', '-')}.log").open("ab")
        part.process = subprocess.Popen(
            part.command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    steady_run.wait_until_ready(parts, log_dir)


def steady_env(ports: steady_run.Ports, workdir: Path, database: str, redis: str | None) -> dict[str, str]:
    env = {
        **steady_run.environment(ports),
        "STEADY_DATABASE_URL": database,
        "STEADY_VAR_DIR": str(workdir),
        "STEADY_ONCALL_FILE": str(workdir / "no-oncall.yml"),
        "TELEGRAM_BOT_TOKEN": "",
    }
    if redis:
        env["STEADY_REDIS_URL"] = redis
    engine_for(database)  # migrate once before several processes open the database
    return env


def bench_steady(
    name: str,
    args: argparse.Namespace,
    workdir: Path,
    servers: int,
    database: str,
    redis: str | None = None,
    spread: str = "by-id",
    model: Path = steady_run.MODEL,
) -> Result:
    """This checkout: `servers` Rasa servers; messages spread by conversation id or round-robin."""
    workdir.mkdir(parents=True, exist_ok=True)
    more = tuple(free_port() for _ in range(servers - 1))
    ports = steady_run.Ports(
        rasa=free_port(), actions=free_port(), web=free_port(), console=free_port(), rasa_more=more
    )
    env = steady_env(ports, workdir, database, redis)
    parts = [steady_run.parts(ports)[0], *steady_run.rasa_parts(ports, model)]
    urls = [f"http://127.0.0.1:{port}" for port in (ports.rasa, *ports.rasa_more)]

    def route(sender: str, turn: int) -> str:
        return rasa_url_for(sender, urls) if spread == "by-id" else urls[turn % len(urls)]

    try:
        start_all(parts, env, config.REPO_ROOT, workdir)
        return measure(name, parts, route, STEADY_SCRIPT, args, args.long)
    finally:
        steady_run.stop(parts)


def bench_baseline(args: argparse.Namespace, workdir: Path) -> Result:
    """Another trained model with this checkout's code, one Rasa server, SQLite (as steady-1)."""
    database = f"sqlite:///{workdir / 'baseline.db'}"
    return bench_steady("baseline", args, workdir, 1, database, model=Path(args.baseline_model).resolve())


def bench_rasa_init(args: argparse.Namespace, workdir: Path) -> Result:
    project = Path(args.rasa_init_project) if args.rasa_init_project else workdir / "moodbot"
    rasa = [sys.executable, "-m", "rasa"]
    env = {**config.process_environment(), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    if not args.rasa_init_project:
        project.mkdir(parents=True, exist_ok=True)
        print("   training the stock rasa init assistant (about 2 minutes)...", flush=True)
        subprocess.run(
            [*rasa, "init", "--no-prompt", "--init-dir", str(project)],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            check=True,
        )
    port = free_port()
    model = str(next((project / "models").glob("*.tar.gz")))
    part = steady_run.Part(
        "rasa init server",
        [*rasa, "run", "--port", str(port), "--interface", "127.0.0.1", "--model", model],
        f"http://127.0.0.1:{port}/",
    )
    try:
        start_all([part], env, project, workdir)
        return measure("rasa-init", [part], lambda _s, _t: f"http://127.0.0.1:{port}", MOODBOT_SCRIPT, args, 0)
    finally:
        steady_run.stop([part])


def postgres_database() -> str | None:
    try:
        import psycopg2

        admin = psycopg2.connect(PG_ADMIN)
    except Exception as error:  # noqa: BLE001 - any failure means "not available here"
        print(f"   PostgreSQL not reachable ({error}); skipping pg+redis")
        return None
    name = f"steady_bench_{uuid.uuid4().hex[:8]}"
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def report(results: list[Result]) -> None:
    reference = next((result for result in results if result.name == "rasa-init"), None)
    print(f"\n{HEADER}")
    for result in results:
        print(result.row(reference))
    print(LEGEND)
    for result in results:
        if result.long_ms:
            ratio = result.around(200) / result.around(10) if result.around(10) else 0.0
            print(f"{result.name}: long conversation, 200th message / 10th message = {ratio:.2f}")
    for result in results:
        each = ", ".join(f"{name} {mb:.0f}" for name, mb in result.peak_mb.items())
        print(f"{result.name}: peak MB per process: {each}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20, help="concurrent conversations per set-up")
    parser.add_argument("--long", type=int, default=210, help="messages in the long conversation (0: skip)")
    parser.add_argument("--baseline-model", help="another trained model (a .tar.gz) to compare, with this code")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-rasa-init", action="store_true")
    parser.add_argument("--rasa-init-project", help="a project `rasa init` trained earlier (skips training it)")
    args = parser.parse_args(argv)
    if not steady_run.MODEL.exists():
        print("No trained model: run `make model` first.", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="steady-bench-", dir=config.var_dir()))
    cores = config.rasa_processes()
    runs: list[tuple[str, Callable[[], Result]]] = []
    if not args.skip_rasa_init:
        runs.append(("rasa-init (stock assistant)", lambda: bench_rasa_init(args, workdir)))
    if args.baseline_model:
        title = f"baseline ({args.baseline_model}, one Rasa server)"
        runs.append((title, lambda: bench_baseline(args, workdir / "base")))
    sqlite = f"sqlite:///{workdir / 'one.db'}"
    runs.append(("steady-1 (one Rasa server)", lambda: bench_steady("steady-1", args, workdir / "one", 1, sqlite)))
    if cores > 1:
        database = f"sqlite:///{workdir / 'steady.db'}"
        runs.append(
            (
                f"steady (make run: {cores} Rasa servers)",
                lambda: bench_steady("steady", args, workdir / "all", cores, database),
            )
        )
    if not args.skip_postgres and (pg := postgres_database()):
        runs.append(
            (
                "pg+redis (two Rasa servers, round-robin)",
                lambda: bench_steady(
                    "pg+redis", args, workdir / "pg", 2, pg, "redis://127.0.0.1:6379/9", "round-robin"
                ),
            )
        )
    print(f"==> {args.conversations} concurrent conversations per set-up; logs in {workdir}")
    results: list[Result] = []
    for title, run in runs:
        print(f"-> {title}", flush=True)
        try:
            results.append(run())
            print(
                f"   {HEADER}\n   {results[-1].row(results[0] if results[0].name == 'rasa-init' else None)}", flush=True
            )
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print(f"   failed: {error}; see the logs in {workdir}", flush=True)
    report(results)
    summary = [{**result.__dict__, "latencies_ms": None, "alone_ms": None} for result in results]
    (workdir / "results.json").write_text(json.dumps(summary))
    shutil.rmtree(workdir / "moodbot", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
