"""The notification worker: sends what record_risk queued, retries, and alerts the backup tier.

    python -m bot.escalation.worker            run until SIGINT or SIGTERM
    python -m bot.escalation.worker --once     one pass, then exit
    python -m bot.escalation.worker --check    check the on-call file only, send nothing

Exit status: 0 fine, 1 a step of the --once pass failed (see the log) or --check found no
on-call file, 2 the on-call file is invalid. The on-call file is re-read on every pass, so contact changes need no
restart; if it becomes invalid, the last valid version keeps being used and an error is logged.
The loop is bot/worker_loop.py. Run exactly one worker per database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from datetime import datetime

from bot.escalation.contacts import OncallConfig, OncallConfigError, load_oncall
from bot.escalation.notify import deliver_due
from bot.escalation.schedule import escalate_unacknowledged, queue_unnotified
from bot.escalation.status import beat
from bot.worker_loop import run_passes

log = logging.getLogger("bot.escalation.worker")

DEFAULT_POLL_SECONDS = 2.0


@dataclass
class PassResult:
    queued: int = 0
    escalated: int = 0
    sent: int = 0
    errors: int = 0


async def run_pass(oncall: OncallConfig, now: datetime | None = None) -> PassResult:
    """One pass: queue missed alerts, alert the backup tier, deliver what is due.

    A step that raises is logged and counted; the other steps still run.
    """
    result = PassResult()
    try:
        result.queued = queue_unnotified(now, oncall=oncall)
    except Exception:  # noqa: BLE001 - keep going, the next pass retries
        result.errors += 1
        log.exception("queueing missed notifications failed")
    try:
        result.escalated = escalate_unacknowledged(now, oncall=oncall)
    except Exception:  # noqa: BLE001
        result.errors += 1
        log.exception("escalating unacknowledged escalations failed")
    try:
        result.sent = await deliver_due(now, oncall=oncall)
    except Exception:  # noqa: BLE001
        result.errors += 1
        log.exception("delivering notifications failed")
    return result


class OncallSource:
    """Reads the on-call file each pass and keeps the last valid version if it breaks."""

    def __init__(self) -> None:
        self.last_good: OncallConfig | None = None
        self.last_error: str | None = None

    def current(self) -> OncallConfig | None:
        try:
            oncall = load_oncall()
        except OncallConfigError as exc:
            if str(exc) != self.last_error:
                fallback = " (still using its last valid version)" if self.last_good else ""
                log.error("invalid on-call file: %s%s", exc, fallback)
            self.last_error = str(exc)
            return self.last_good
        if self.last_error is not None:
            log.info("on-call file is valid again")
            self.last_error = None
        if oncall is not None and oncall != self.last_good:
            _describe(oncall)
        self.last_good = oncall
        return oncall


def _describe(oncall: OncallConfig) -> None:
    log.info("on-call file %s: %d primary and %d backup contact(s), ack timeout %g min",
             oncall.source, len(oncall.primary), len(oncall.backup), oncall.ack_timeout_minutes)
    if not oncall.backup:
        log.warning("no backup contacts: unacknowledged escalations will not be escalated further")
    for problem in oncall.missing_secrets():
        log.error("%s: messages that need it will fail until it is set", problem)


async def run(once: bool = False, stop: asyncio.Event | None = None) -> int:
    """The worker; returns the process exit status."""
    source = OncallSource()
    try:
        load_oncall()
    except OncallConfigError as exc:
        print(f"steady escalation worker: invalid on-call file: {exc}", file=sys.stderr)
        return 2
    if once:
        oncall = source.current()
        if oncall is None:
            return 0
        result = await run_pass(oncall)
        log.info("pass done: %d queued, %d escalated to backup, %d sent, %d error(s)",
                 result.queued, result.escalated, result.sent, result.errors)
        return 1 if result.errors else 0
    await run_passes(log, "escalation worker", lambda: _one_loop_pass(source), DEFAULT_POLL_SECONDS, stop)
    return 0


async def _one_loop_pass(source: OncallSource) -> float:
    """Runs one pass if notifications are on; returns the seconds to wait before the next."""
    beat()  # lets the action server and the console tell whether anyone will be alerted
    oncall = source.current()
    if oncall is None:
        return DEFAULT_POLL_SECONDS
    result = await run_pass(oncall)
    if result.queued or result.escalated or result.sent:
        log.info("pass: %d queued, %d escalated to backup, %d sent",
                 result.queued, result.escalated, result.sent)
    return oncall.poll_interval_seconds


def check() -> int:
    """Validate the on-call file and name missing secrets; sends nothing."""
    try:
        oncall = load_oncall()
    except OncallConfigError as exc:
        print(f"invalid on-call file: {exc}", file=sys.stderr)
        return 2
    if oncall is None:
        return 1
    print(f"on-call file {oncall.source} is valid: {len(oncall.primary)} primary and "
          f"{len(oncall.backup)} backup contact(s)")
    for problem in oncall.missing_secrets():
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.escalation.worker",
        description="Send Steady's escalation notifications to on-call counselors.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="run a single pass and exit")
    mode.add_argument("--check", action="store_true",
                      help="check the on-call file and exit without sending anything")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines show the bot token
    if args.check:
        return check()
    try:
        return asyncio.run(run(once=args.once))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
