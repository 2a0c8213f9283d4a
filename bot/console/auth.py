"""Signing in and out: password check with lockout, server-side sessions, CSRF tokens.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a
copy of the database does not let anyone sign in. Each session has its own CSRF token, which
every state-changing request must send back (form field or X-CSRF-Token header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.console.accounts import find_account
from bot.console.passwords import dummy_hash, verify_password
from bot.db import ConsoleAccount, ConsoleSession, LoginAttempt, session_scope, utcnow

LOCKOUT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 10  # higher: counselors in one office can share an address
IDLE_TIMEOUT = timedelta(hours=1)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
BAD_CREDENTIALS = "That username and password do not match an active account."


@dataclass(frozen=True)
class Counselor:
    """The signed-in person behind a request."""

    session_id: int
    username: str
    role: str
    csrf_token: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def _failures(session: Session, since: datetime, **where: str) -> list[datetime]:
    column = LoginAttempt.username if "username" in where else LoginAttempt.address
    query = (
        select(LoginAttempt.created_at)
        .where(column == next(iter(where.values())))
        .where(LoginAttempt.succeeded.is_(False))
        .where(LoginAttempt.created_at > since)
    )
    return list(session.execute(query).scalars())


def lockout_message(session: Session, username: str, address: str, now: datetime) -> str | None:
    """Why sign-in is refused before the password is even checked, or None."""
    window_start = now - LOCKOUT_WINDOW
    last_success = session.execute(
        select(func.max(LoginAttempt.created_at))
        .where(LoginAttempt.username == username)
        .where(LoginAttempt.succeeded.is_(True))
    ).scalar()
    account_since = max(window_start, last_success) if last_success else window_start
    for failures, limit in (
        (_failures(session, account_since, username=username), MAX_FAILURES_PER_ACCOUNT),
        (_failures(session, window_start, address=address), MAX_FAILURES_PER_ADDRESS),
    ):
        if len(failures) >= limit:
            wait = min(failures) + LOCKOUT_WINDOW - now
            minutes = max(1, int(wait.total_seconds() // 60) + 1)
            return (
                f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}, "
                "or ask a supervisor to reset the password."
            )
    return None


def sign_in(username: str, password: str, address: str) -> tuple[str, Counselor] | str:
    """(cookie token, counselor) on success, otherwise the message to show."""
    username = username.strip().lower()[:64]
    address = address[:64]
    now = utcnow()
    with session_scope() as session:
        locked = lockout_message(session, username, address, now)
        if locked:
            return locked
        account = find_account(session, username) if username else None
        valid = verify_password(password, account.password_hash if account else dummy_hash())
        succeeded = bool(account and valid and not account.disabled)
        session.add(LoginAttempt(username=username, address=address, succeeded=succeeded, created_at=now))
        if not succeeded or account is None:
            return BAD_CREDENTIALS
        token = secrets.token_urlsafe(32)
        row = ConsoleSession(
            token_hash=_digest(token), account_id=account.id, csrf_token=secrets.token_urlsafe(32),
            created_at=now, last_seen_at=now,
        )
        session.add(row)
        session.flush()
        return token, Counselor(row.id, account.username, account.role, row.csrf_token)


def current_counselor(token: str | None) -> Counselor | None:
    """The counselor a session cookie belongs to, if the session is still valid."""
    if not token:
        return None
    now = utcnow()
    with session_scope() as session:
        found = session.execute(
            select(ConsoleSession, ConsoleAccount)
            .join(ConsoleAccount, ConsoleAccount.id == ConsoleSession.account_id)
            .where(ConsoleSession.token_hash == _digest(token))
        ).first()
        if found is None:
            return None
        row, account = found
        expired = now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > ABSOLUTE_TIMEOUT
        if expired or account.disabled:
            session.delete(row)
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            row.last_seen_at = now
        return Counselor(row.id, account.username, account.role, row.csrf_token)


def sign_out(token: str | None) -> None:
    if token:
        with session_scope() as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))
