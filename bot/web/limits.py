"""Rate limits for the public side (chat page API and the widget's socket.io traffic), the client
address behind a configured proxy, and the words said when a message is refused.

Limits are sliding windows kept in this process's memory: per client address (messages, new
conversations, requests for a person) and per conversation (messages, requests for a person).
`STEADY_RATE_LIMIT_SCALE` multiplies every count (e.g. 10 for a load test); see bot/config.py.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address

from bot import wording

MAX_KEYS = 50_000


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


LIMITS = {
    "message_per_address": Limit(60, 60),
    "message_per_conversation": Limit(20, 60),
    "conversation_per_address": Limit(10, 600),
    "help_per_address": Limit(3, 600),
    "help_per_conversation": Limit(1, 120),
}
NEW_CONVERSATION_PAYLOAD = "/greet"
HELP_PAYLOAD = "/request_human"


class RateLimiter:
    """Counts events per (kind, key) in sliding windows; `allow` records the event if allowed."""

    def __init__(self, scale: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {kind: Limit(max(1, int(limit.count * scale)), limit.seconds) for kind, limit in LIMITS.items()}
        self.clock = clock
        self.seen: dict[tuple[str, str], deque[float]] = {}

    def allow(self, kind: str, key: str) -> bool:
        limit, now = self.limits[kind], self.clock()
        times = self.seen.setdefault((kind, key), deque())
        while times and times[0] <= now - limit.seconds:
            times.popleft()
        if len(times) >= limit.count:
            return False
        times.append(now)
        if len(self.seen) > MAX_KEYS:
            self._forget_idle(now)
        return True

    def check_message(self, address: str, conversation: str, text: str) -> str | None:
        """The key of the words to say if this message is refused, else None (and it is counted)."""
        if text == HELP_PAYLOAD and not (
            self.allow("help_per_conversation", conversation) and self.allow("help_per_address", address)
        ):
            return "help_again_soon"
        if text == NEW_CONVERSATION_PAYLOAD and not self.allow("conversation_per_address", address):
            return "too_many_conversations"
        if not (self.allow("message_per_conversation", conversation) and self.allow("message_per_address", address)):
            return "too_fast"
        return None

    def _forget_idle(self, now: float) -> None:
        longest = max(limit.seconds for limit in self.limits.values())
        for key in [key for key, times in self.seen.items() if not times or times[-1] <= now - longest]:
            del self.seen[key]


def client_address(remote: str | None, forwarded_for: str | None, trusted_proxies: frozenset[str]) -> str:
    """The client's address: X-Forwarded-For is believed only when the peer is a configured proxy
    (its right-most address not itself a proxy); otherwise the peer address."""
    peer = remote or "unknown"
    if peer not in trusted_proxies or not forwarded_for:
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if hop and hop not in trusted_proxies:
            return hop if _is_address(hop) else peer
    return peer


def _is_address(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True


def say(key: str, **values: object) -> str:
    """What Steady says when it refuses a message (bot/content/channel_limits.yml)."""
    return wording.say("channel_limits", key, **values)
