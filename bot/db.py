"""The project's own tables (usage log, escalations, notifications, console, reminders) and how to reach them.

Rasa's SQL tracker store keeps the conversations in the same database (its table is `events`, which
bot/conversations.py alone reads and deletes from).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from bot import config
from bot.crypto import PREFIX, decrypt_text, encrypt_text

Base = declarative_base()

ESCALATION_STATUSES = ("open", "acknowledged", "resolved")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(moment: datetime | None) -> datetime:
    """As stored: UTC without tzinfo. None is now; a naive time is taken to be UTC already."""
    if moment is None:
        return utcnow()
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the deployment key (bot/crypto.py); plaintext rows still read.

    Not searchable: look rows up by another column (e.g. an escalation's pseudonym)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else encrypt_text(value)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else decrypt_text(value)


class EncryptedJSON(TypeDecorator):
    """A JSON value stored as one encrypted JSON string; rows written before encryption still read."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else encrypt_text(json.dumps(value))

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(decrypt_text(value))
        return value


class UsageEvent(Base):
    """One step of someone's use of an exercise, keyed by a pseudonym, never the raw id."""

    __tablename__ = "usage_events"

    id = Column(Integer, primary_key=True)
    pseudonym = Column(String(64), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="unknown")
    exercise = Column(String(64), nullable=True, index=True)
    run_id = Column(String(36), nullable=True, index=True)
    kind = Column(String(16), nullable=False)  # checkin, start, step, rating, complete, abandon
    step = Column(String(64), nullable=True)
    phase = Column(String(16), nullable=True)  # before / after for ratings
    choice = Column(String(32), nullable=True)  # the option picked at a choice step
    value = Column(Float, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class Escalation(Base):
    """A conversation in which risk was detected; written before anyone is notified."""

    __tablename__ = "escalations"

    id = Column(Integer, primary_key=True)
    pseudonym = Column(String(64), nullable=False, index=True)
    conversation_id = Column(EncryptedText, nullable=False)  # the raw sender id, encrypted; find rows by pseudonym
    channel = Column(String(32), nullable=False, default="unknown")
    category = Column(String(32), nullable=False)
    severity = Column(String(16), nullable=False, index=True)
    spans = Column(EncryptedJSON, nullable=False, default=list)  # matched words: encrypted
    cssrs = Column(EncryptedJSON, nullable=False, default=dict)  # screener answers: encrypted
    status = Column(String(16), nullable=False, default="open", index=True)
    assignee = Column(String(64), nullable=True)
    outcome = Column(String(32), nullable=True)
    risk_count = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    acknowledged_at = Column(DateTime, nullable=True)
    resolved_at = Column(DateTime, nullable=True)


class NotificationAttempt(Base):
    """One message to one on-call contact about one escalation (retried with backoff)."""

    __tablename__ = "notification_attempts"

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id"), nullable=False, index=True)
    contact = Column(String(128), nullable=False)
    transport = Column(String(16), nullable=False)  # telegram, email, webhook
    tier = Column(String(16), nullable=False, default="primary")  # primary, backup
    reason = Column(String(32), nullable=False, default="new")  # one of bot.escalation.schedule.REASONS
    status = Column(String(16), nullable=False, default="pending")  # pending, sent, failed
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    sent_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left in free pages
        cursor.close()


_ENGINE_LOCK = threading.Lock()


def engine_for(url: str) -> Engine:
    """One engine per database URL per process, its schema migrated to the latest version. Thread-safe:
    two threads asking at once for a new URL must not run the migrations side by side (Alembic's
    module-level proxies break: a 500 the fuzz test found)."""
    with _ENGINE_LOCK:
        return _engine_for(url)


@cache
def _engine_for(url: str) -> Engine:
    is_sqlite = url.startswith("sqlite")
    connect_args = {"timeout": 30} if is_sqlite else {}
    engine = create_engine(url, future=True, connect_args=connect_args)
    if is_sqlite:
        _tune_sqlite(engine)
    from bot.migrate import upgrade  # the migrations import this module's tables

    upgrade(engine)
    if is_sqlite:
        _owner_only(engine)
    return engine


def checkpoint(engine: Engine) -> None:
    """SQLite: copy the write-ahead log into the database and empty it, so deleted text does not
    linger in the -wal file (secure_delete already overwrites freed pages). No-op elsewhere."""
    if engine.url.get_backend_name() != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _owner_only(engine: Engine) -> None:
    """The SQLite file and its WAL are readable by the owner only (also when an earlier run left them 0644)."""
    database = engine.url.database
    if not database or database == ":memory:":
        return
    for path in (database, f"{database}-wal", f"{database}-shm"):
        if os.path.exists(path):
            os.chmod(path, 0o600)


def get_engine() -> Engine:
    return engine_for(config.database_url())


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = sessionmaker(bind=engine or get_engine(), future=True)()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


# --- Counselor console (bot/console/) -------------------------------------------------------


class ConsoleAccount(Base):
    """A counselor or supervisor who signs in to the console; created from the command line."""

    __tablename__ = "console_accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(64), nullable=True)  # told to the person on takeover, if set
    role = Column(String(16), nullable=False)  # counselor, supervisor
    password_hash = Column(String(255), nullable=False)
    disabled = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    password_changed_at = Column(DateTime, nullable=False, default=utcnow)


class ConsoleSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "console_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    account_id = Column(Integer, ForeignKey("console_accounts.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)


class LoginAttempt(Base):
    """One sign-in attempt, kept for lockout (per username and per address)."""

    __tablename__ = "console_login_attempts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, index=True)
    address = Column(String(64), nullable=False, index=True)
    succeeded = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class EscalationNote(Base):
    """A counselor's note on an escalation (kind "note" or "resolution")."""

    __tablename__ = "escalation_notes"

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id"), nullable=False, index=True)
    author = Column(String(64), nullable=False)
    kind = Column(String(16), nullable=False, default="note")
    text = Column(Text, nullable=False)  # encrypted by bot/escalation/records.py
    created_at = Column(DateTime, nullable=False, default=utcnow)


class Takeover(Base):
    """A counselor talking to the person in place of the bot; open while ended_at is empty."""

    __tablename__ = "takeovers"

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id"), nullable=False, index=True)
    counselor = Column(String(64), nullable=False)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    ended_at = Column(DateTime, nullable=True)
    repauses = Column(Integer, nullable=False, default=0)


class AuditEntry(Base):
    """Who saw or did what in the console, and when. Only ever appended to."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    actor = Column(String(64), nullable=False, index=True)
    action = Column(String(48), nullable=False, index=True)
    escalation_id = Column(Integer, nullable=True, index=True)
    detail = Column(Text, nullable=True)
    address = Column(String(64), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


# --- Check-in reminders (bot/reminders/) ----------------------------------------------------


class Reminder(Base):
    """A daily check-in a person asked for on Telegram, at a local time in their time zone.

    One active row per conversation; stopping keeps the row, inactive, with why in stopped_reason
    ("asked": the person; "unanswered": the worker, after check-ins nobody answered). Erasure and
    retention delete every row of the conversation (bot/erasure.py).
    """

    __tablename__ = "reminders"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    local_time = Column(String(5), nullable=False)  # "HH:MM" on the person's clock
    timezone = Column(String(64), nullable=False)  # a pytz zone name, e.g. "Europe/London"
    next_due_at = Column(DateTime, nullable=False, index=True)  # UTC
    active = Column(Boolean, nullable=False, default=True, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    last_sent_at = Column(DateTime, nullable=True)
    last_skipped_at = Column(DateTime, nullable=True)
    stopped_at = Column(DateTime, nullable=True)
    stopped_reason = Column(String(32), nullable=True)
    # Check-ins delivered since the person last wrote, as of the latest one.
    unanswered = Column(Integer, nullable=False, default=0, server_default="0")
