"""Escalations: recorded the moment risk is detected, then sent to on-call counselors.

records    - every change of an escalation's state: record_risk / update_cssrs / acknowledge / assign /
             resolve / takeovers / redact (rows only, no I/O)
schedule   - which notifications are queued, for whom and when they fall due (rows only, no I/O)
contacts   - the on-call file (who to tell, how, retry policy)
notify     - one delivery pass: due notifications sent, retried with backoff
transports - the alert and how it travels: Telegram, email, webhook
status     - whether anyone will be alerted (contacts configured, notifier alive)
worker     - `python -m bot.escalation.worker [--once]`
"""

from bot.escalation.records import (
    ESCALATION_CATEGORIES,
    acknowledge,
    open_escalation_for,
    record_risk,
    update_cssrs,
)

__all__ = ["ESCALATION_CATEGORIES", "acknowledge", "open_escalation_for", "record_risk", "update_cssrs"]
