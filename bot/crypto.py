"""Encryption of conversation text at rest, with the deployment's key (bot.config.encryption_key).

Stored values look like "enc:v1:<Fernet token>"; anything else is read as plaintext, so a database
written before encryption was switched on stays readable.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from bot import config

PREFIX = "enc:v1:"


class DecryptionError(ValueError):
    """The stored text was encrypted with another key (or is damaged)."""


@lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


def encrypt_text(plain: str, key: bytes | None = None) -> str:
    return PREFIX + _fernet(key or config.encryption_key()).encrypt(plain.encode()).decode()


def decrypt_text(stored: str, key: bytes | None = None) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet(key or config.encryption_key()).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise DecryptionError("conversation data was encrypted with a different key") from error
