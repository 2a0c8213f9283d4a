"""Load benchmark: N concurrent simulated conversations over HTTP, three set-ups, one table of figures.

    python -m bot.tools.bench [--conversations 20] [--skip-postgres] [--skip-rasa-init]

Set-ups, each started from scratch on free loopback ports:
  sqlite      Steady, one Rasa server + action server, SQLite (the `make run` layout)
  pg+redis    Steady, two Rasa servers (round-robin per message) + one action server, PostgreSQL + Redis
  rasa-init   the stock `rasa init` assistant trained in this run, one Rasa server, in-memory tracker
Each conversation: a greeting, a whole grounding exercise, then a risk message (Steady), or the
moodbot's own lines (rasa init). Prints p50/p95/p99 reply latency, throughput, errors and the peak
resident memory of the server processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot import config
from bot import run as steady_run
from bot.db import engine_for
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


@dataclass
class Result:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0

    def row(self) -> str:
        ordered = sorted(self.latencies_ms) or [0.0]

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

        rate = len(self.latencies_ms) / self.seconds if self.seconds else 0.0
        return (
            f"{self.name:<10} {len(self.latencies_ms):>6} {pct(50):>8.0f} {pct(95):>8.0f} {pct(99):>8.0f} "
            f"{statistics.fmean(ordered):>8.0f} {rate:>9.1f} {self.errors:>6} {self.peak_rss_mb:>9.0f}"
        )


HEADER = (
    f"{'set-up':<10} {'msgs':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'msg/s':>9} "
    f"{'errors':>6} {'peak MB':>9}"
)


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the given processes and their children, from /proc."""
    total_kb = 0
    for pid in pids:
        try:
            children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
            for one in [str(pid), *children]:
                status = Path(f"/proc/{one}/status").read_text()
                total_kb += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


class MemoryWatch(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak, self.stopped = pids, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, rss_mb(self.pids))
            self.stopped.wait(0.5)


async def converse(session: aiohttp.ClientSession, urls: list[str], script: list[str], result: Result) -> None:
    sender = uuid.uuid4().hex
    for turn, text in enumerate(script):
        url = urls[turn % len(urls)]
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                await response.read()
                if response.status != 200:
                    result.errors += 1
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError):
            result.errors += 1
            continue
        result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def drive(name: str, ports: list[int], script: list[str], conversations: int, pids: list[int]) -> Result:
    urls = [f"http://127.0.0.1:{port}/webhooks/rest/webhook" for port in ports]
    result, watch = Result(name), MemoryWatch(pids)
    watch.start()
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(converse(session, urls, script, result) for _ in range(conversations)))
    result.seconds = time.perf_counter() - started
    watch.stopped.set()
    watch.join()
    result.peak_rss_mb = watch.peak
    return result


def launch(parts: list[steady_run.Part], env: dict[str, str], log_dir: Path) -> None:
    for part in parts:
        steady_run.start(part, env, log_dir)
    steady_run.wait_until_ready(parts, log_dir)


def bench_steady(
    name: str, conversations: int, workdir: Path, database: str, redis: str | None, servers: int
) -> Result:
    workdir.mkdir(parents=True, exist_ok=True)
    ports = steady_run.Ports(rasa=free_port(), actions=free_port(), web=free_port(), console=free_port())
    env = {
        **steady_run.environment(ports),
        "STEADY_DATABASE_URL": database,
        "STEADY_VAR_DIR": str(workdir),
        "STEADY_ONCALL_FILE": str(workdir / "no-oncall.yml"),
    }
    if redis:
        env["STEADY_REDIS_URL"] = redis
    engine_for(database)  # migrate once before several processes open the database
    rasa_ports = [ports.rasa] + [free_port() for _ in range(servers - 1)]
    actions = steady_run.parts(ports)[0]
    parts = [actions] + [steady_run.rasa_part(port, f"Rasa server {i}") for i, port in enumerate(rasa_ports)]
    try:
        launch(parts, env, workdir)
        pids = [part.process.pid for part in parts if part.process]
        return asyncio.run(drive(name, rasa_ports, STEADY_SCRIPT, conversations, pids))
    finally:
        steady_run.stop(parts)


def bench_rasa_init(conversations: int, workdir: Path) -> Result:
    project = workdir / "moodbot"
    project.mkdir(parents=True, exist_ok=True)
    rasa = [sys.executable, "-m", "rasa"]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
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
    part = steady_run.Part(
        "rasa init server", [*rasa, "run", "--port", str(port), "--interface", "127.0.0.1"], f"http://127.0.0.1:{port}/"
    )
    part.command += ["--model", str(next((project / "models").glob("*.tar.gz")))]
    log = (workdir / "rasa-init.log").open("ab")
    part.process = subprocess.Popen(
        part.command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        steady_run.wait_until_ready([part], workdir)
        return asyncio.run(drive("rasa-init", [port], MOODBOT_SCRIPT, conversations, [part.process.pid]))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20, help="concurrent conversations per set-up")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-rasa-init", action="store_true")
    args = parser.parse_args(argv)
    if not steady_run.MODEL.exists():
        print("No trained model: run `make model` first.", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="steady-bench-", dir=config.var_dir()))
    runs = [
        (
            "sqlite (one Rasa server)",
            lambda: bench_steady(
                "sqlite", args.conversations, workdir / "sqlite", f"sqlite:///{workdir / 'bench.db'}", None, 1
            ),
        )
    ]
    if not args.skip_postgres and (database := postgres_database()):
        runs.append(
            (
                "pg+redis (two Rasa servers)",
                lambda: bench_steady(
                    "pg+redis", args.conversations, workdir / "pg", database, "redis://127.0.0.1:6379/9", 2
                ),
            )
        )
    if not args.skip_rasa_init:
        runs.append(("rasa-init (stock assistant)", lambda: bench_rasa_init(args.conversations, workdir)))
    print(f"==> {args.conversations} concurrent conversations per set-up; logs in {workdir}")
    results = []
    for title, run in runs:
        print(f"-> {title}", flush=True)
        try:
            results.append(run())
            print(f"   {HEADER}\n   {results[-1].row()}", flush=True)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print(f"   failed: {error}; see the logs in {workdir}", flush=True)
    print("\n" + HEADER)
    for result in results:
        print(result.row())
    (workdir / "results.json").write_text(json.dumps([r.__dict__ | {"latencies_ms": None} for r in results]))
    shutil.rmtree(workdir / "moodbot", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
