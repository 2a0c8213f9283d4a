"""Retention: conversations idle for longer than STEADY_RETENTION_DAYS are deleted.

A conversation is all of one sender's events in Rasa's tracker store; it is purged when its newest
event is older than the limit. Usage rows are pseudonymous and kept for outcome analytics;
escalation records are kept for safeguarding, redacted as erasure does (bot/erasure.py): no matched
words, screener answers, notes or conversation id.

    python -m bot.retention --days 90            # one purge now
    python -m bot.retention --every-hours 6      # keep purging (days from STEADY_RETENTION_DAYS)
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import datetime, timedelta, timezone

from bot import config, conversations
from bot.db import checkpoint, get_engine, session_scope
from bot.erasure import delete_conversation

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
    while True:
        purged = purge(args.days)
        print(f"purged {len(purged)} conversation(s) older than {args.days} days", flush=True)
        if args.every_hours is None:
            return 0
        time.sleep(args.every_hours * 3600)


if __name__ == "__main__":
    sys.exit(main())
