"""Rasa's lock store, chosen by one setting: Redis when STEADY_REDIS_URL is set, else lock files.

Two messages of one conversation must never be handled at the same time, even by different Rasa
servers. Several servers on many machines share a Redis lock store. Several Rasa processes on one
machine (the default `make run` layout: one per core) share lock files under var/locks/, held with
flock(2): no extra server, and a lock is released by the kernel if its process dies. A file is
named by a hash bucket of the conversation id, so file names reveal nothing about anyone and their
number stays bounded; two conversations that share a bucket only wait for each other across processes.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore

from bot import config
from bot.keyed_locks import KeyedLocks

BUCKETS = 4096
RETRY_S = 0.005


class FileLockStore(LockStore):
    """Per-conversation locks across the processes of one machine (first come, first served within one)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.waiting: KeyedLocks[str] = KeyedLocks()

    def path(self, conversation_id: str) -> Path:
        bucket = int.from_bytes(hashlib.sha256(conversation_id.encode()).digest()[:4], "big") % BUCKETS
        return self.directory / f"{bucket:04d}.lock"

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        async with self.waiting.hold(conversation_id):  # this process's messages of one conversation, in arrival order
            descriptor = os.open(self.path(conversation_id), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await self._hold(descriptor, conversation_id, lock_lifetime)
                yield TicketLock(conversation_id)
            finally:
                os.close(descriptor)  # releases the flock

    @staticmethod
    async def _hold(descriptor: int, conversation_id: str, lifetime: float) -> None:
        deadline = time.monotonic() + lifetime
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.") from None
                await asyncio.sleep(RETRY_S)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None  # tickets are not stored: the kernel holds the lock

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None


class SteadyLockStore:
    """Used as `type:` in endpoints.yml; creating one returns the right Rasa lock store."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        url = config.redis_url()
        if not url:
            return FileLockStore(config.var_dir() / "locks")
        parsed = urlparse(url)
        return RedisLockStore(
            host=parsed.hostname or "localhost",
            port=parsed.port or 6379,
            db=int(parsed.path.lstrip("/") or 1),
            password=parsed.password,
            use_ssl=parsed.scheme == "rediss",
            key_prefix="steady",
        )
