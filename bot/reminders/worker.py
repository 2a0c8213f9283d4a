"""The reminder worker: sends each daily check-in when its time comes.

    python -m bot.reminders.worker          run until SIGINT or SIGTERM (`make run` starts it)
    python -m bot.reminders.worker --once   one pass, then exit

Every STEADY_REMINDER_POLL_SECONDS (default 20) it finds the reminders that are due and, for each,
reads the conversation from Rasa's HTTP API, then triggers the intent EXTERNAL_checkin_reminder
with output_channel=latest: a rule answers with utter_checkin_reminder, which Rasa delivers to the
person's Telegram chat. A day's check-in is skipped (the next one is due tomorrow) when
- a counselor has taken the conversation over (the tracker is paused),
- an exercise or the screening questions are in progress (an active loop),
- the person wrote in the last STEADY_REMINDER_QUIET_MINUTES (default 30), or
- it is more than STEADY_REMINDER_MAX_LATE_MINUTES (default 120) late (the worker or Rasa was down).
Skipped days are not check-ins and count for nothing below.

After STEADY_REMINDER_MAX_UNANSWERED (default 7) check-ins in a row that the person did not answer
(no message from them since the previous one), the worker stops the reminder instead of sending
another: it executes the response utter_reminders_paused (then action_listen, so the person's next
message is read as usual) and marks the reminder inactive, reason "unanswered". Check-ins that
reached no live channel ("undelivered") are not counted. Without this, check-ins would pester
someone who has moved on, and their events would keep the conversation from ever being purged
(STEADY_RETENTION_DAYS).

When Rasa does not answer, the rest wait for the next pass. Rasa is found at STEADY_RASA_URL with
STEADY_RASA_API_TOKEN (bot/config.py). The log holds counts and reminder ids, never chat ids or
anything anyone wrote. Run exactly one worker per database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
from sqlalchemy.exc import SQLAlchemyError

from bot import config
from bot.db import naive_utc
from bot.rasa_api import RasaApi, RasaRefused, RasaUnreachable
from bot.reminders.store import ReminderView, due_reminders, mark_sent, mark_skipped, stop_unanswered
from bot.worker_loop import run_passes

log = logging.getLogger("bot.reminders.worker")

CHECKIN_INTENT = "EXTERNAL_checkin_reminder"
PAUSED_RESPONSE = "utter_reminders_paused"
LISTEN_ACTION = "action_listen"


@dataclass(frozen=True)
class ReminderSettings:
    """The worker's settings; unset, each is bot/config.py's default (what an empty environment gives)."""

    poll_seconds: float = config.reminder_poll_seconds({})
    quiet_minutes: float = config.reminder_quiet_minutes({})
    max_late_minutes: float = config.reminder_max_late_minutes({})
    max_unanswered: int = config.reminder_max_unanswered({})
    request_timeout_seconds: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReminderSettings:
        """Settings from the STEADY_REMINDER_* variables (bot/config.py); ValueError names a bad one."""
        return cls(
            poll_seconds=config.reminder_poll_seconds(environ),
            quiet_minutes=config.reminder_quiet_minutes(environ),
            max_late_minutes=config.reminder_max_late_minutes(environ),
            max_unanswered=config.reminder_max_unanswered(environ),
        )


@dataclass
class PassFigures:
    """What one pass did. Skips are counted by reason: late, paused, busy, recent."""

    sent: int = 0
    undelivered: int = 0  # triggered, but Rasa had no live channel to the person (Telegram off?)
    stopped: int = 0  # reminders stopped because their check-ins went unanswered
    skipped: Counter[str] = field(default_factory=Counter)
    waiting: int = 0  # left for the next pass: Rasa did not answer or refused
    errors: int = 0

    def count(self, outcome: str) -> None:
        if outcome == "sent":
            self.sent += 1
        elif outcome == "undelivered":
            self.undelivered += 1
        elif outcome == "stopped":
            self.stopped += 1
        else:
            self.skipped[outcome] += 1

    def __bool__(self) -> bool:
        return bool(self.sent or self.undelivered or self.stopped or self.skipped or self.waiting or self.errors)

    def summary(self) -> str:
        skips = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items())) or "none"
        return (
            f"{self.sent} sent, {sum(self.skipped.values())} skipped ({skips}), {self.undelivered} undelivered, "
            f"{self.stopped} stopped as unanswered, {self.waiting} waiting for Rasa, {self.errors} error(s)"
        )


def last_message_at(tracker: dict[str, Any]) -> datetime | None:
    """When the person last wrote (naive UTC); check-ins triggered by this worker do not count."""
    for event in reversed(tracker.get("events") or []):
        if event.get("event") != "user" or (event.get("metadata") or {}).get("is_external"):
            continue
        stamp = event.get("timestamp")
        return datetime.fromtimestamp(stamp, timezone.utc).replace(tzinfo=None) if stamp else None
    return None


def skip_reason(tracker: dict[str, Any], now: datetime, settings: ReminderSettings) -> str | None:
    """Why today's check-in should not interrupt this conversation, or None to send it."""
    if tracker.get("paused"):
        return "paused"
    if (tracker.get("active_loop") or {}).get("name"):
        return "busy"
    wrote_at = last_message_at(tracker)
    if wrote_at is not None and now - wrote_at < timedelta(minutes=settings.quiet_minutes):
        return "recent"
    return None


def unanswered_checkins(reminder: ReminderView, wrote_at: datetime | None) -> int:
    """Check-ins delivered since the person last wrote: none when they wrote after the latest one."""
    if reminder.last_sent_at is None or (wrote_at is not None and wrote_at > reminder.last_sent_at):
        return 0
    return reminder.unanswered


async def stop_checkins(reminder: ReminderView, api: RasaApi, now: datetime, unanswered: int) -> None:
    """Tell the person, once, that check-ins have stopped, then stop them.

    Rasa is asked first: when it does not answer, nothing has changed and a later pass tries again.
    """
    await api.execute(reminder.sender_id, PAUSED_RESPONSE)
    await api.execute(reminder.sender_id, LISTEN_ACTION)  # the tracker ends listening, as after any turn
    stop_unanswered(reminder.id, unanswered, now)


async def send_one(reminder: ReminderView, api: RasaApi, now: datetime, settings: ReminderSettings) -> str:
    """Send or skip one due reminder; returns "sent", "undelivered", "stopped" or the skip reason.

    Raises RasaUnreachable / RasaRefused with the reminder left due, so a later pass retries it.
    """
    if now - reminder.next_due_at > timedelta(minutes=settings.max_late_minutes):
        mark_skipped(reminder.id, now)
        return "late"
    tracker = await api.tracker(reminder.sender_id)
    reason = skip_reason(tracker, now, settings)
    if reason:
        mark_skipped(reminder.id, now)
        return reason
    unanswered = unanswered_checkins(reminder, last_message_at(tracker))
    if unanswered >= settings.max_unanswered:
        await stop_checkins(reminder, api, now, unanswered)
        return "stopped"
    answer = await api.trigger_intent(reminder.sender_id, CHECKIN_INTENT)
    delivered = "messages" not in answer  # "messages": Rasa collected them, nobody got them
    mark_sent(reminder.id, now, unanswered + 1 if delivered else unanswered)
    return "sent" if delivered else "undelivered"


async def _send_due(due: list[ReminderView], api: RasaApi, now: datetime, settings: ReminderSettings) -> PassFigures:
    figures = PassFigures()
    for position, reminder in enumerate(due):
        try:
            outcome = await send_one(reminder, api, now, settings)
        except RasaUnreachable as error:
            figures.waiting += len(due) - position
            log.warning("Rasa is not answering (%s); %d reminder(s) wait for the next pass", error, len(due) - position)
            break
        except RasaRefused as error:
            figures.waiting += 1
            log.warning("Rasa refused reminder %s (%s); trying again next pass", reminder.id, error)
            continue
        except SQLAlchemyError:
            figures.errors += 1
            log.exception("could not update reminder %s", reminder.id)
            continue
        figures.count(outcome)
    if figures.undelivered:
        log.warning("%d check-in(s) reached no live channel: is the Telegram channel on?", figures.undelivered)
    return figures


async def run_once(
    now: datetime | None = None, api: RasaApi | None = None, settings: ReminderSettings | None = None
) -> PassFigures:
    """One pass at `now` (default: the current time): every due reminder is sent or skipped.

    Without `api`, talks to the Rasa server in bot.config (STEADY_RASA_URL, STEADY_RASA_API_TOKEN).
    """
    settings = settings or ReminderSettings.from_env()
    now = naive_utc(now)
    due = due_reminders(now)
    if not due:
        return PassFigures()
    if api is not None:
        return await _send_due(due, api, now, settings)
    timeout = aiohttp.ClientTimeout(total=settings.request_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        return await _send_due(due, RasaApi(http, config.rasa_url(), config.rasa_api_token()), now, settings)


async def run(settings: ReminderSettings, once: bool = False, stop: asyncio.Event | None = None) -> int:
    """The worker; returns the process exit status."""
    if once:
        figures = await run_once(settings=settings)
        log.info("pass done: %s", figures.summary())
        return 1 if figures.errors else 0
    await run_passes(log, "reminder worker", lambda: _one_loop_pass(settings), settings.poll_seconds, stop)
    return 0


async def _one_loop_pass(settings: ReminderSettings) -> None:
    figures = await run_once(settings=settings)
    if figures:
        log.info("pass: %s", figures.summary())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.reminders.worker", description="Send Steady's daily check-in reminders."
    )
    parser.add_argument("--once", action="store_true", help="run a single pass and exit")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = ReminderSettings.from_env()
    except ValueError as error:
        print(f"steady reminder worker: {error}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run(settings, once=args.once))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
