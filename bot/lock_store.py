"""Rasa's lock store, chosen by one setting: Redis when STEADY_REDIS_URL is set, else in memory.

Several Rasa servers behind a load balancer must share a Redis lock store so that two messages of
one conversation are never handled at the same time by different servers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot import config


class SteadyLockStore:
    """Used as `type:` in endpoints.yml; creating one returns the right Rasa lock store."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        url = config.redis_url()
        if not url:
            return InMemoryLockStore()
        parsed = urlparse(url)
        return RedisLockStore(
            host=parsed.hostname or "localhost",
            port=parsed.port or 6379,
            db=int(parsed.path.lstrip("/") or 1),
            password=parsed.password,
            use_ssl=parsed.scheme == "rediss",
            key_prefix="steady",
        )
