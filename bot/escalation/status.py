"""Whether anyone will be alerted about an escalation: on-call contacts configured and the notifier alive.

The notifier (bot/escalation/worker.py) touches a heartbeat file in the var directory on every
pass; it counts as alive while that file is fresher than STALE_AFTER. Steady tells a person "I've
let the on-call counselors know" only when both hold; otherwise the escalation is recorded for the
console, and `make run` and the console say that nobody is alerted. The heartbeat lives on the
local disk, so the notifier and the action server must share the var directory (one host, or a
shared volume).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bot import config
from bot.escalation.contacts import OncallConfigError, load_oncall

STALE_AFTER_SECONDS = 120.0


def heartbeat_file() -> Path:
    return config.var_dir() / "run" / "notifier.heartbeat"


def beat(now: float | None = None) -> None:
    """Called by the notifier on every pass."""
    path = heartbeat_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{now or time.time():.0f}\n", encoding="utf-8")


def notifier_alive(now: float | None = None) -> bool:
    try:
        last = float(heartbeat_file().read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return False
    return (now or time.time()) - last <= STALE_AFTER_SECONDS


def contacts_configured() -> bool:
    try:
        oncall = load_oncall()
    except OncallConfigError:
        return False
    return oncall is not None and bool(oncall.primary)


@dataclass(frozen=True)
class Alerting:
    configured: bool
    alive: bool

    @property
    def live(self) -> bool:
        return self.configured and self.alive

    def warning(self) -> str | None:
        """What to tell the team when nobody will be alerted, else None."""
        if not self.configured:
            return (
                "Nobody will be alerted about escalations: no on-call contacts are configured "
                f"({config.oncall_file()}). Escalations are recorded and shown in the console only."
            )
        if not self.alive:
            return (
                "Nobody will be alerted about escalations: the notifier (python -m bot.escalation.worker) "
                "is not running. Escalations are recorded and shown in the console only."
            )
        return None


def alerting() -> Alerting:
    return Alerting(configured=contacts_configured(), alive=notifier_alive())
