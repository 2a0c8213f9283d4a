"""Logs without the person's words: Rasa's structured logs redacted, no frame locals in tracebacks,
log files owner-only and rotated, old ones deleted under the retention policy.

`redact_rasa_logs()` runs inside the Rasa server (bot/channels/rest.py calls it when the channels are
set up, after Rasa configured its logging). `tidy(log_dir)` runs when `make run` starts.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import structlog

from bot import config

# Keys under which Rasa's structured log events carry what the person wrote (or what was said back).
SENSITIVE_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "parse_data", "utterance", "user_uttered", "bot_uttered", "events",
})
REDACTED = "[redacted]"
MAX_LOG_BYTES = 10 * 1024 * 1024
KEEP_ROTATED = 5
DEFAULT_LOG_DAYS = 30


def redact(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: values under sensitive keys are replaced."""
    for key in SENSITIVE_KEYS.intersection(event_dict):
        event_dict[key] = REDACTED
    return event_dict


_tracebacks_without_locals = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)


def redact_rasa_logs() -> None:
    """Change Rasa's structlog pipeline in place (loggers already made use the same list): redaction
    first, and structured tracebacks without frame locals (they hold the person's text)."""
    processors = structlog.get_config()["processors"]
    kept = [p for p in processors if p is not redact]
    processors[:] = [redact, *(_tracebacks_without_locals if p is structlog.processors.dict_tracebacks else p
                               for p in kept)]


def tidy(log_dir: Path, now: float | None = None) -> None:
    """Owner-only log files; a file over MAX_LOG_BYTES is rotated (name.log.1 ... .5); rotated files
    older than the retention period (STEADY_RETENTION_DAYS, else 30 days) are deleted."""
    now = now or time.time()
    max_age = (config.retention_days() or DEFAULT_LOG_DAYS) * 86400
    for path in sorted(log_dir.glob("*.log*")):
        if path.suffix != ".log" and now - path.stat().st_mtime > max_age:
            path.unlink()
            continue
        os.chmod(path, 0o600)
    for path in sorted(log_dir.glob("*.log")):
        if path.stat().st_size > MAX_LOG_BYTES:
            _rotate(path)


def _rotate(path: Path) -> None:
    for number in range(KEEP_ROTATED - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{number + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))
