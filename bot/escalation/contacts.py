"""The on-call file: who is told about an escalation, over which transports, and how hard to try.

The file is YAML (see oncall.example.yml next to this module for every field, with comments).
Secrets never live in it: it names the environment variables that hold them.

`load_oncall()` returns None when the file does not exist (notifications disabled, escalations
still recorded) and raises OncallConfigError, whose message names the faulty field, when the
file is invalid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot import config

log = logging.getLogger(__name__)

TRANSPORTS = ("telegram", "email", "webhook")
ADDRESS_FIELDS = {"telegram": "telegram_chat_id", "email": "email", "webhook": "webhook_url"}
MAX_NAME_LENGTH = 100

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CHAT_ID = re.compile(r"^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$")
_warned_missing: set[Path] = set()


class OncallConfigError(ValueError):
    """The on-call file cannot be used; the message says which field and why."""


class MissingSecret(RuntimeError):
    """An environment variable named in the on-call file is not set."""


@dataclass(frozen=True)
class Contact:
    name: str
    telegram_chat_id: int | str | None = None
    email: str | None = None
    webhook_url: str | None = None

    def transports(self) -> list[str]:
        """The transports this contact can be reached on, in a fixed order."""
        return [name for name in TRANSPORTS if self.address(name) is not None]

    def address(self, transport: str) -> int | str | None:
        return getattr(self, ADDRESS_FIELDS[transport])


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_seconds: float = 30.0
    max_delay_seconds: float = 600.0

    def delay_after(self, failures: int) -> timedelta:
        """Exponential backoff: base, 2*base, 4*base ... capped at max_delay_seconds."""
        seconds = self.base_delay_seconds * 2 ** max(failures - 1, 0)
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


def _secret(env_name: str, field: str) -> str:
    value = config.named_setting(env_name)
    if not value:
        raise MissingSecret(f"environment variable {env_name} (named in {field}) is not set")
    return value


def _optional_secret(env_name: str | None, field: str) -> str | None:
    """None when the configuration names no variable; else the variable's value, which must be set."""
    return None if env_name is None else _secret(env_name, field)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password_env: str | None = None
    ca_file: str | None = None
    timeout_seconds: float = 10.0

    def password(self) -> str | None:
        return _optional_secret(self.password_env, "smtp.password_env")


@dataclass(frozen=True)
class TelegramSettings:
    token_env: str
    base_url: str | None = None
    timeout_seconds: float = 10.0

    def token(self) -> str:
        return _secret(self.token_env, "telegram.token_env")


@dataclass(frozen=True)
class WebhookSettings:
    timeout_seconds: float = 10.0
    secret_env: str | None = None

    def secret(self) -> str | None:
        return _optional_secret(self.secret_env, "webhook.secret_env")


@dataclass(frozen=True)
class OncallConfig:
    primary: tuple[Contact, ...]
    backup: tuple[Contact, ...] = ()
    ack_timeout_minutes: float = 10.0
    poll_interval_seconds: float = 2.0
    retry: RetryPolicy = RetryPolicy()
    smtp: SmtpSettings | None = None
    telegram: TelegramSettings | None = None
    webhook: WebhookSettings = WebhookSettings()
    source: str = "<on-call file>"

    def tier(self, name: str) -> tuple[Contact, ...]:
        if name == "primary":
            return self.primary
        if name == "backup":
            return self.backup
        raise ValueError(f"unknown tier {name!r}; expected 'primary' or 'backup'")

    def contact(self, name: str) -> Contact | None:
        return next((c for c in (*self.primary, *self.backup) if c.name == name), None)

    def missing_secrets(self) -> list[str]:
        """One message per environment variable the file names but the process lacks."""
        problems = []
        for settings, method in (
            (self.smtp, "password"),
            (self.telegram, "token"),
            (self.webhook, "secret"),
        ):
            try:
                if settings is not None:
                    getattr(settings, method)()
            except MissingSecret as exc:
                problems.append(str(exc))
        return problems


def load_oncall(path: Path | None = None) -> OncallConfig | None:
    """Read and check the on-call file; None (and one WARNING per process) when it is missing."""
    path = Path(path) if path is not None else config.oncall_file()
    if not path.exists():
        _warn_missing(path)
        return None
    _warned_missing.discard(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OncallConfigError(f"{path}: cannot be read ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise OncallConfigError(f"{path}: not valid YAML{line}") from None
    return parse_oncall(data, source=str(path))


def _warn_missing(path: Path) -> None:
    if path in _warned_missing:
        return
    _warned_missing.add(path)
    log.warning(
        "On-call file %s not found: escalation notifications are DISABLED. Escalations are "
        "still recorded in the database. To notify counselors, copy "
        "bot/escalation/oncall.example.yml to that path (or set STEADY_ONCALL_FILE) and fill "
        "in the contacts.",
        path,
    )


def parse_oncall(data: Any, source: str = "<on-call file>") -> OncallConfig:
    """Build an OncallConfig from parsed YAML, or raise OncallConfigError naming the field."""
    try:
        return _Parser(source).parse(data)
    except _FieldError as exc:
        raise OncallConfigError(f"{source}: {exc.field}: {exc.problem}") from None


class _FieldError(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


_TOP_FIELDS = (
    "primary", "backup", "ack_timeout_minutes", "poll_interval_seconds",
    "retry", "smtp", "telegram", "webhook",
)
_CONTACT_FIELDS = ("name", "telegram_chat_id", "email", "webhook_url")
_SECRET_FIELDS = {
    "password": "password_env",
    "token": "token_env",
    "bot_token": "token_env",
    "secret": "secret_env",
}


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def parse(self, data: Any) -> OncallConfig:
        if data is None:
            raise _FieldError("(file)", "is empty; it needs at least a 'primary' contact list")
        top = self._mapping(data, "(file)", _TOP_FIELDS)
        if "primary" not in top:
            raise _FieldError("primary", "is required: list at least one on-call contact")
        primary = self._contacts(top["primary"], "primary", required=True)
        backup = self._contacts(top.get("backup", []), "backup", required=False)
        self._check_unique_names(primary, backup)
        smtp = self._smtp(top["smtp"]) if top.get("smtp") is not None else None
        telegram = self._telegram(top["telegram"]) if top.get("telegram") is not None else None
        self._check_transports_configured(primary, backup, smtp, telegram)
        return OncallConfig(
            primary=primary,
            backup=backup,
            ack_timeout_minutes=self._number(top, "ack_timeout_minutes", "", 10.0, minimum=0.1),
            poll_interval_seconds=self._number(top, "poll_interval_seconds", "", 2.0, minimum=0.1),
            retry=self._retry(top.get("retry") or {}),
            smtp=smtp,
            telegram=telegram,
            webhook=self._webhook(top.get("webhook") or {}),
            source=self.source,
        )

    # -- shapes ---------------------------------------------------------------------------

    def _mapping(self, value: Any, field: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _FieldError(field, f"must be a mapping of fields, got {_kind(value)}")
        for key in value:
            prefix = "" if field == "(file)" else f"{field}."
            if key in _SECRET_FIELDS:
                raise _FieldError(
                    f"{prefix}{key}",
                    "secrets do not belong in this file; put the value in an environment "
                    f"variable and give its name as {prefix}{_SECRET_FIELDS[key]}",
                )
            if key not in allowed:
                raise _FieldError(f"{prefix}{key}", f"unknown field (allowed: {', '.join(allowed)})")
        return value

    def _contacts(self, value: Any, field: str, *, required: bool) -> tuple[Contact, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            raise _FieldError(field, f"must be a list of contacts, got {_kind(value)}")
        if required and not value:
            raise _FieldError(field, "must list at least one on-call contact")
        return tuple(self._contact(item, f"{field}[{index}]") for index, item in enumerate(value))

    def _contact(self, value: Any, field: str) -> Contact:
        data = self._mapping(value, field, _CONTACT_FIELDS)
        name = self._text(data, "name", field, required=True)
        if len(name) > MAX_NAME_LENGTH:
            raise _FieldError(f"{field}.name", f"is longer than {MAX_NAME_LENGTH} characters")
        contact = Contact(
            name=name,
            telegram_chat_id=self._chat_id(data.get("telegram_chat_id"), f"{field}.telegram_chat_id"),
            email=self._email(data.get("email"), f"{field}.email"),
            webhook_url=self._url(data.get("webhook_url"), f"{field}.webhook_url"),
        )
        if not contact.transports():
            raise _FieldError(field, "needs at least one of telegram_chat_id, email, webhook_url")
        return contact

    def _check_unique_names(self, primary: tuple[Contact, ...], backup: tuple[Contact, ...]) -> None:
        seen: dict[str, str] = {}
        for tier, contacts in (("primary", primary), ("backup", backup)):
            for index, contact in enumerate(contacts):
                field = f"{tier}[{index}].name"
                if contact.name in seen:
                    raise _FieldError(
                        field,
                        f"{contact.name!r} is already used by {seen[contact.name]}; "
                        "each contact needs its own name",
                    )
                seen[contact.name] = field

    def _check_transports_configured(
        self,
        primary: tuple[Contact, ...],
        backup: tuple[Contact, ...],
        smtp: SmtpSettings | None,
        telegram: TelegramSettings | None,
    ) -> None:
        for tier, contacts in (("primary", primary), ("backup", backup)):
            for index, contact in enumerate(contacts):
                if contact.email and smtp is None:
                    raise _FieldError(
                        f"{tier}[{index}].email", "needs an 'smtp' section to send email"
                    )
                if contact.telegram_chat_id is not None and telegram is None:
                    raise _FieldError(
                        f"{tier}[{index}].telegram_chat_id",
                        "needs a 'telegram' section (token_env) to send Telegram messages",
                    )

    def _retry(self, value: Any) -> RetryPolicy:
        data = self._mapping(value, "retry", ("max_attempts", "base_delay_seconds", "max_delay_seconds"))
        base = self._number(data, "base_delay_seconds", "retry.", 30.0, minimum=0.1)
        policy = RetryPolicy(
            max_attempts=self._integer(data, "max_attempts", "retry.", 5, 1, 100),
            base_delay_seconds=base,
            max_delay_seconds=self._number(data, "max_delay_seconds", "retry.", max(600.0, base)),
        )
        if policy.max_delay_seconds < policy.base_delay_seconds:
            raise _FieldError(
                "retry.max_delay_seconds", "must be at least retry.base_delay_seconds"
            )
        return policy

    def _smtp(self, value: Any) -> SmtpSettings:
        allowed = (
            "host", "port", "from", "starttls", "username", "password_env", "ca_file",
            "timeout_seconds",
        )
        data = self._mapping(value, "smtp", allowed)
        username = self._text(data, "username", "smtp", required=False)
        password_env = self._env_name(data.get("password_env"), "smtp.password_env")
        if username and not password_env:
            raise _FieldError("smtp.password_env", "is required when smtp.username is set")
        if password_env and not username:
            raise _FieldError("smtp.username", "is required when smtp.password_env is set")
        sender = self._email(data.get("from"), "smtp.from")
        if sender is None:
            raise _FieldError("smtp.from", "is required (the sender address of alerts)")
        return SmtpSettings(
            host=self._text(data, "host", "smtp", required=True),
            sender=sender,
            port=self._integer(data, "port", "smtp.", 587, 1, 65535),
            starttls=self._boolean(data, "starttls", "smtp.", True),
            username=username,
            password_env=password_env,
            ca_file=self._text(data, "ca_file", "smtp", required=False),
            timeout_seconds=self._number(data, "timeout_seconds", "smtp.", 10.0, minimum=0.1),
        )

    def _telegram(self, value: Any) -> TelegramSettings:
        data = self._mapping(value, "telegram", ("token_env", "base_url", "timeout_seconds"))
        token_env = self._env_name(data.get("token_env"), "telegram.token_env")
        if token_env is None:
            raise _FieldError(
                "telegram.token_env",
                "is required: the name of the environment variable holding the bot token",
            )
        return TelegramSettings(
            token_env=token_env,
            base_url=self._url(data.get("base_url"), "telegram.base_url"),
            timeout_seconds=self._number(data, "timeout_seconds", "telegram.", 10.0, minimum=0.1),
        )

    def _webhook(self, value: Any) -> WebhookSettings:
        data = self._mapping(value, "webhook", ("timeout_seconds", "secret_env"))
        return WebhookSettings(
            timeout_seconds=self._number(data, "timeout_seconds", "webhook.", 10.0, minimum=0.1),
            secret_env=self._env_name(data.get("secret_env"), "webhook.secret_env"),
        )

    # -- scalars --------------------------------------------------------------------------

    def _text(self, data: dict, key: str, parent: str, *, required: bool) -> Any:
        value = data.get(key)
        field = f"{parent}.{key}"
        if value is None:
            if required:
                raise _FieldError(field, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise _FieldError(field, f"must be non-empty text, got {_kind(value)}")
        return value.strip()

    def _number(
        self, data: dict, key: str, prefix: str, default: float, *, minimum: float = 0.0
    ) -> float:
        value = data.get(key, default)
        field = f"{prefix}{key}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _FieldError(field, f"must be a number, got {_kind(value)}")
        if value < minimum:
            raise _FieldError(field, f"must be at least {minimum:g}, got {value:g}")
        return float(value)

    def _integer(
        self, data: dict, key: str, prefix: str, default: int, low: int, high: int
    ) -> int:
        value = data.get(key, default)
        field = f"{prefix}{key}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise _FieldError(field, f"must be a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise _FieldError(field, f"must be between {low} and {high}, got {value}")
        return value

    def _boolean(self, data: dict, key: str, prefix: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise _FieldError(f"{prefix}{key}", f"must be true or false, got {_kind(value)}")
        return value

    def _checked(
        self, value: Any, field: str, accept: Callable[[str], bool], expected: str
    ) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not accept(value.strip()):
            raise _FieldError(field, f"must be {expected}, got {_shown(value)}")
        return value.strip()

    def _email(self, value: Any, field: str) -> str | None:
        return self._checked(value, field, _EMAIL.match, "an email address like name@example.org")

    def _url(self, value: Any, field: str) -> str | None:
        return self._checked(value, field, _is_http_url, "an http:// or https:// address")

    def _env_name(self, value: Any, field: str) -> str | None:
        return self._checked(
            value, field, _ENV_NAME.match, "an environment variable name like STEADY_SMTP_PASSWORD"
        )

    def _chat_id(self, value: Any, field: str) -> int | str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = self._checked(
            value, field, _CHAT_ID.match, "a numeric Telegram chat id or an @channel name"
        )
        return int(text) if text and text.lstrip("-").isdigit() else text


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", bool: "true/false", str: "text"}.get(
        type(value), type(value).__name__
    )


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) and len(value) <= 80 else _kind(value)
