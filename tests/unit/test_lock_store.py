"""Several Rasa processes on one machine never handle two messages of one conversation at once,
with no lock server: lock files held with flock, released even when a process dies."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa.core.lock_store import RedisLockStore

from bot.lock_store import FileLockStore, SteadyLockStore

HOLDER = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


async def handle(store: FileLockStore, conversation: str, name: str, log: list[str]) -> None:
    async with store.lock(conversation):
        log.append(f"{name} in")
        for _ in range(5):
            await asyncio.sleep(0)  # let every other message try its luck meanwhile
        log.append(f"{name} out")


def overlapping(log: list[str]) -> bool:
    inside = 0
    for line in log:
        inside += 1 if line.endswith(" in") else -1
        if inside > 1:
            return True
    return False


def test_two_processes_never_handle_one_conversation_at_once(tmp_path: Path) -> None:
    first, second = FileLockStore(tmp_path), FileLockStore(tmp_path)  # one per process: separate open files
    log: list[str] = []

    async def burst() -> None:
        await asyncio.gather(*(handle(first if i % 2 else second, "person-1", f"m{i}", log) for i in range(8)))

    asyncio.run(burst())
    assert len(log) == 16 and not overlapping(log)


def test_one_process_keeps_a_conversations_messages_in_arrival_order(tmp_path: Path) -> None:
    store, log = FileLockStore(tmp_path), []

    async def burst() -> None:
        await asyncio.gather(*(handle(store, "person-2", f"m{i}", log) for i in range(6)))

    asyncio.run(burst())
    assert [line for line in log if line.endswith(" in")] == [f"m{i} in" for i in range(6)]
    assert len(store.waiting) == 0, "nothing is kept for conversations nobody is waiting on"


def test_different_conversations_do_not_wait_for_each_other(tmp_path: Path) -> None:
    store, log = FileLockStore(tmp_path), []
    people = ["alice-0001", "bob-0002"]
    assert store.path(people[0]) != store.path(people[1])

    async def both() -> None:
        await asyncio.gather(*(handle(store, person, person, log) for person in people))

    asyncio.run(both())
    assert overlapping(log), "unrelated conversations run side by side"


def lock_from_another_process(store: FileLockStore, conversation: str) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.path(conversation))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize("ending", ["finishes", "dies"])
def test_a_message_waits_while_another_process_holds_the_conversation(tmp_path: Path, ending: str) -> None:
    store = FileLockStore(tmp_path)
    holder = lock_from_another_process(store, "person-3")
    log: list[str] = []

    async def scenario() -> None:
        waiting = asyncio.create_task(handle(store, "person-3", "mine", log))
        await asyncio.sleep(0.3)
        assert log == [], "the other process still holds the conversation"
        if ending == "dies":
            holder.kill()
        else:
            holder.communicate("done\n")
        await asyncio.wait_for(waiting, timeout=30)

    try:
        asyncio.run(scenario())
    finally:
        holder.kill()
        holder.wait()
    assert log == ["mine in", "mine out"]


def test_lock_files_name_no_one(tmp_path: Path) -> None:
    store = FileLockStore(tmp_path)

    async def once() -> None:
        async with store.lock("telegram-123456789"):
            pass

    asyncio.run(once())
    names = [path.name for path in tmp_path.iterdir()]
    assert names and not any("123456789" in name for name in names)


def test_the_setting_chooses_lock_files_or_redis(steady_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEADY_REDIS_URL", raising=False)
    assert isinstance(SteadyLockStore(), FileLockStore)
    monkeypatch.setenv("STEADY_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert isinstance(SteadyLockStore(), RedisLockStore)
