"""Pseudonymous ids: a keyed hash of a sender id, so analytics never hold the raw id."""

from __future__ import annotations

import hashlib
import hmac

from bot import config


def pseudonymise(sender_id: str, key: bytes | None = None) -> str:
    """Stable for the same sender and key; not reversible without the key."""
    secret = key if key is not None else config.pseudonym_key()
    return hmac.new(secret, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
