"""Escalations: recorded the moment risk is detected, then sent to on-call counselors.

records  - record_risk / update_cssrs / acknowledge / open_escalation_for (rows only, no I/O)
contacts - the on-call file (who to tell, how, retry policy)
notify   - transports and the delivery steps the worker runs
worker   - `python -m bot.escalation.worker [--once]`
"""

from bot.escalation.records import (
    SEVERITIES,
    acknowledge,
    open_escalation_for,
    record_risk,
    update_cssrs,
)

__all__ = ["SEVERITIES", "acknowledge", "open_escalation_for", "record_risk", "update_cssrs"]
