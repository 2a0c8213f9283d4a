"""Finding 13: `make run` (bot/run.py) stops every part even when SIGTERM comes again and again, and a
start that finds parts an earlier run left running stops them and says so.

The launcher's own code runs here (main(), start, stop) with small stand-in parts instead of Rasa:
one that takes a second to stop, one that ignores SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.config import REPO_ROOT

PART = """
import os, signal, sys, time
open(sys.argv[1], "a").write(f"{os.getpid()}\\n")
if sys.argv[2] == "slow":
    signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1.0), sys.exit(0)))
else:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    time.sleep(0.1)
"""

LAUNCHER = """
import sys
from pathlib import Path
import bot.run as run
pids, part = sys.argv[1], sys.argv[2]
run.MODEL = Path(part)
run.STOP_TIMEOUT_S = 3.0
run.get_engine = lambda: None
run.wait_until_ready = lambda running, log_dir: None
run.parts = lambda ports, shell=False: [
    run.Part(name, [sys.executable, part, pids, kind])
    for name, kind in (("slow part", "slow"), ("stubborn part", "stubborn"), ("other slow part", "slow"))
]
sys.exit(run.main([]))
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state != "Z"


def launch(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    part, launcher, pids = tmp_path / "part.py", tmp_path / "launcher.py", tmp_path / "pids"
    part.write_text(PART)
    launcher.write_text(LAUNCHER)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "STEADY_VAR_DIR": str(tmp_path / "var")}
    process = subprocess.Popen([sys.executable, str(launcher), str(pids), str(part)], env=env, cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not pids.exists() or len(pids.read_text().split()) < 3):
        time.sleep(0.1)
    assert pids.exists() and len(pids.read_text().split()) == 3, "the stand-in parts did not start"
    return process, pids


def part_pids(pids: Path) -> list[int]:
    return [int(pid) for pid in pids.read_text().split()]


def test_repeated_sigterm_while_stopping_still_stops_every_part(tmp_path: Path) -> None:
    launcher, pids = launch(tmp_path)
    for _ in range(8):  # a service manager that keeps asking, or an impatient script
        os.killpg(launcher.pid, signal.SIGTERM)
        time.sleep(0.15)
    launcher.wait(timeout=30)
    survivors = [pid for pid in part_pids(pids) if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], f"parts left running after the launcher exited: {survivors}"


def test_a_new_start_stops_what_an_earlier_killed_run_left_running(tmp_path: Path) -> None:
    first, pids = launch(tmp_path)
    os.killpg(first.pid, signal.SIGKILL)  # the launcher dies without stopping anything
    first.wait(timeout=10)
    leftovers = part_pids(pids)
    assert all(alive(pid) for pid in leftovers)
    pids.unlink()
    second, pids = launch(tmp_path)
    try:
        assert not [pid for pid in leftovers if alive(pid)], "the earlier run's parts are still running"
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        output = second.communicate(timeout=30)[0]
        for pid in leftovers + part_pids(pids):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert "earlier run left running" in output
