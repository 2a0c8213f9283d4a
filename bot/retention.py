"""Retention: conversations idle for longer than STEADY_RETENTION_DAYS are deleted.

A conversation is all of one sender's events in Rasa's tracker store; it is purged when its newest
event is older than the limit. Usage rows are pseudonymous and kept for outcome analytics;
escalation records are kept for safeguarding, redacted as erasure does (bot/erasure.py): no matched
words, screener answers, notes or conversation id.

    python -m bot.retention --days 90            # one purge now
    python -m bot.retention --every-hours 6      # keep purging (days from STEADY_RETENTION_DAYS)

Kept running, it is a worker like the others (bot/worker_loop.py): SIGINT or SIGTERM stop it, and
a purge that fails is logged and tried again at the next pass.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timedelta, timezone

from bot import config, conversations
from bot.db import checkpoint, get_engine, session_scope
from bot.erasure import delete_conversation
from bot.worker_loop import run_passes

log = logging.getLogger(__name__)


def purge(days: int, now: datetime | None = None) -> list[str]:
    """Delete conversations whose last event is older than `days`; returns their sender ids."""
    if days < 1:
        raise ValueError("retention must be at least 1 day")
    cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).timestamp()
    with session_scope() as session:
        stale = conversations.idle_senders(session, before=cutoff)
        for sender in stale:
            delete_conversation(session, sender)
    checkpoint(get_engine())
    if stale:
        log.info("retention: purged %d conversation(s) idle for more than %d days", len(stale), days)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=config.retention_days())
    parser.add_argument("--every-hours", type=float, default=None, help="keep running, purging this often")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.days:
        print("Set --days or STEADY_RETENTION_DAYS (conversations are kept until then).", file=sys.stderr)
        return 2
    if args.every_hours is None:
        purge_and_say(args.days)
        return 0
    every = args.every_hours * 3600
    asyncio.run(run_passes(log, "retention", lambda: asyncio.to_thread(purge_and_say, args.days), every))
    return 0


def purge_and_say(days: int) -> None:
    purged = purge(days)
    print(f"purged {len(purged)} conversation(s) older than {days} days", flush=True)


if __name__ == "__main__":
    sys.exit(main())
