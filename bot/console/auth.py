"""Signing in and out: password check with a back-off after failures (never a lockout), server-side
sessions, CSRF tokens.

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

# Back off, never lock: after this many failures in the window (since the last success or password
# reset), each attempt waits BACKOFF_BASE, doubling with each further failure, at most BACKOFF_MAX.
# Attempts refused while waiting are not counted, so nobody can push a counselor out for long.
LOCKOUT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20  # higher: counselors in one office share an address
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=5)
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


def backoff(failures: list[datetime], free: int, now: datetime) -> timedelta | None:
    """How long to wait before the next attempt, or None."""
    if len(failures) < free:
        return None
    delay = min(BACKOFF_BASE * 2 ** (len(failures) - free), BACKOFF_MAX)
    wait = max(failures) + delay - now
    return wait if wait > timedelta(0) else None


def lockout_message(session: Session, username: str, address: str, now: datetime) -> str | None:
    """Why sign-in is refused before the password is even checked (a wait), or None.

    An account's failures count since the last success or password reset, within the window."""
    window_start = now - LOCKOUT_WINDOW
    last_success = session.execute(
        select(func.max(LoginAttempt.created_at))
        .where(LoginAttempt.username == username)
        .where(LoginAttempt.succeeded.is_(True))
    ).scalar()
    account = find_account(session, username) if username else None
    account_since = max(moment for moment in (window_start, last_success,
                                              account.password_changed_at if account else None) if moment)
    for failures, free in (
        (_failures(session, account_since, username=username), MAX_FAILURES_PER_ACCOUNT),
        (_failures(session, window_start, address=address), MAX_FAILURES_PER_ADDRESS),
    ):
        wait = backoff(failures, free, now)
        if wait is not None:
            seconds = max(1, int(wait.total_seconds()) + 1)
            return (
                f"Too many failed sign-ins. Wait {seconds} seconds and try again, "
                "or ask a supervisor to reset the password."
            )
    return None


@dataclass(frozen=True)
class FailedSignIns:
    username: str
    failures: int


def repeated_failures(now: datetime | None = None, within: timedelta = timedelta(hours=1)) -> list[FailedSignIns]:
    """Usernames with repeated failed sign-ins in the last hour, for supervisors to see."""
    since = (now or utcnow()) - within
    with session_scope() as session:
        rows = session.execute(
            select(LoginAttempt.username, func.count())
            .where(LoginAttempt.succeeded.is_(False))
            .where(LoginAttempt.created_at > since)
            .group_by(LoginAttempt.username)
            .having(func.count() >= MAX_FAILURES_PER_ACCOUNT)
        ).all()
    return [FailedSignIns(username, count) for username, count in rows]


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
