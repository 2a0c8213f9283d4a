"""Settings read from the environment, with defaults that work on a fresh clone.

Every setting has one name here, and nothing else in bot/ or actions/ reads os.environ; README's
"Configuration" table lists each one (tests/unit/test_settings.py keeps the three in step).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = REPO_ROOT / "bot" / "content"

Environment = Mapping[str, str]


def _environment(environ: Environment | None) -> Environment:
    """The given variables (tests pass their own), or this process's environment."""
    return os.environ if environ is None else environ


def process_environment() -> dict[str, str]:
    """A copy of this process's environment, for the processes it starts (which read their settings here)."""
    return dict(os.environ)


_PREPARED: set[Path] = set()  # var dirs already created and made owner-only by this process


def var_dir() -> Path:
    """Where runtime state lives (database, keys, logs): owner-only (0700). Git-ignored."""
    path = Path(os.environ.get("STEADY_VAR_DIR", REPO_ROOT / "var"))
    if path in _PREPARED and path.is_dir():  # read on every message: one stat, not a mkdir and a chmod
        return path
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)  # left group/world-readable by an earlier version
    _PREPARED.add(path)
    return path


def database_url() -> str:
    """SQLAlchemy URL shared by Rasa's tracker store and the project's own tables."""
    default = f"sqlite:///{var_dir() / 'steady.db'}"
    return os.environ.get("STEADY_DATABASE_URL", default)


def _secret_from_file(name: str, generate: Callable[[], str] = lambda: secrets.token_hex(32)) -> bytes:
    """A secret kept under var/secrets/, generated on first use: created owner-only (O_EXCL, 0600),
    so it is never readable by others, and two processes starting at once end up with one secret."""
    path = var_dir() / "secrets" / name
    try:
        return _known_secret(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(generate())
    return _read_secret(path)


@lru_cache(maxsize=32)
def _known_secret(path: Path, modified_ns: int) -> bytes:
    """A secret file's content, read once per version of the file (the key is read for every
    event decrypted, so on every message)."""
    return _read_secret(path)


def _read_secret(path: Path, attempts: int = 50) -> bytes:
    """The secret in `path`; waits briefly while another process is still writing it."""
    for _ in range(attempts):
        value = path.read_text().strip()
        if value:
            return value.encode()
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty: delete it to generate a new secret")


def pseudonym_key() -> bytes:
    """Key for the keyed hash that turns a sender id into a pseudonymous id."""
    value = os.environ.get("STEADY_PSEUDONYM_KEY")
    return value.encode() if value else _secret_from_file("pseudonym.key")


def helplines_file() -> Path:
    """Crisis resources; a deployment can point this at its own reviewed file."""
    override = os.environ.get("STEADY_HELPLINES_FILE")
    return Path(override) if override else CONTENT_DIR / "helplines.yml"


def oncall_file() -> Path:
    """On-call counselor contacts for escalation notifications."""
    override = os.environ.get("STEADY_ONCALL_FILE")
    return Path(override) if override else var_dir() / "oncall.yml"


def console_url() -> str:
    """Base address of the counselor console, used in notification links."""
    return os.environ.get("STEADY_CONSOLE_URL", "http://localhost:8080").rstrip("/")


def rasa_api_token() -> str:
    """Token for Rasa's HTTP API (used by the counselor console for takeovers)."""
    value = os.environ.get("STEADY_RASA_API_TOKEN")
    return value if value else _secret_from_file("rasa_api.token").decode()


def rasa_url() -> str:
    """Where the Rasa server listens (loopback only)."""
    return os.environ.get("STEADY_RASA_URL", "http://127.0.0.1:5005").rstrip("/")


def rasa_processes() -> int:
    """How many Rasa servers `make run` starts on this machine: one per core (at most 4, ~1.4 GB each)."""
    value = os.environ.get("STEADY_RASA_PROCESSES", "").strip()
    return max(1, int(value)) if value else max(1, min(os.cpu_count() or 1, 4))


def rasa_urls() -> list[str]:
    """Every Rasa server of this machine; conversations are spread over them by id (bot.rasa_api.rasa_url_for).
    The first is STEADY_RASA_URL, which also serves Telegram, the widget and the HTTP API."""
    urls = [url.strip().rstrip("/") for url in os.environ.get("STEADY_RASA_URLS", "").split(",") if url.strip()]
    return urls or [rasa_url()]


def encryption_key() -> bytes:
    """Fernet key that encrypts conversation text at rest (STEADY_ENCRYPTION_KEY, base64)."""
    from cryptography.fernet import Fernet

    value = os.environ.get("STEADY_ENCRYPTION_KEY")
    return value.encode() if value else _secret_from_file("encryption.key", lambda: Fernet.generate_key().decode())


def redis_url() -> str | None:
    """Redis for Rasa's lock store when several Rasa servers share one database (scale-out)."""
    return os.environ.get("STEADY_REDIS_URL") or None


def retention_days() -> int | None:
    """Conversations idle for longer than this many days are purged; unset keeps them."""
    value = os.environ.get("STEADY_RETENTION_DAYS", "").strip()
    return int(value) if value else None


def rate_limit_scale() -> float:
    """Multiplies every public rate limit (bot/web/limits.py); 1 unless raised for a load test."""
    return float(os.environ.get("STEADY_RATE_LIMIT_SCALE", "1") or 1)


def trusted_proxies() -> frozenset[str]:
    """Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated); none by default."""
    value = os.environ.get("STEADY_TRUSTED_PROXIES", "")
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def widget_origin() -> str:
    """The web site allowed to embed the widget and call the chat API (an origin, or * for any)."""
    return os.environ.get("STEADY_WIDGET_ORIGIN", "*").rstrip("/") or "*"


# -- where each process listens (bot/run.py passes the ports on to the processes it starts)


def rasa_port() -> int:
    """Port of the first Rasa server `make run` starts; the others take the ports after it."""
    return int(os.environ.get("STEADY_RASA_PORT", "5005"))


def actions_port() -> int:
    """Port of the action server `make run` starts."""
    return int(os.environ.get("STEADY_ACTIONS_PORT", "5055"))


def web_host() -> str:
    """Address the chat page listens on (loopback unless a deployment says otherwise)."""
    return os.environ.get("STEADY_WEB_HOST", "127.0.0.1")


def web_port() -> int:
    """Port of the chat page and the widget."""
    return int(os.environ.get("STEADY_WEB_PORT", "8000"))


def console_host() -> str:
    """Address the counselor console listens on (loopback unless a deployment says otherwise)."""
    return os.environ.get("STEADY_CONSOLE_HOST", "127.0.0.1")


def console_port() -> int:
    """Port of the counselor console."""
    return int(os.environ.get("STEADY_CONSOLE_PORT", "8080"))


# -- the reminder worker (bot/reminders/worker.py)


def reminder_poll_seconds(environ: Environment | None = None) -> float:
    """How often the reminder worker looks for due check-ins."""
    return _positive(environ, "STEADY_REMINDER_POLL_SECONDS", 20.0)


def reminder_quiet_minutes(environ: Environment | None = None) -> float:
    """No check-in if the person wrote this recently."""
    return _positive(environ, "STEADY_REMINDER_QUIET_MINUTES", 30.0)


def reminder_max_late_minutes(environ: Environment | None = None) -> float:
    """A check-in later than this is skipped until the next day."""
    return _positive(environ, "STEADY_REMINDER_MAX_LATE_MINUTES", 120.0)


def reminder_max_unanswered(environ: Environment | None = None) -> int:
    """Check-ins stop (with one last message) after this many in a row go unanswered."""
    return _positive_whole(environ, "STEADY_REMINDER_MAX_UNANSWERED", 7)


def _positive(environ: Environment | None, name: str, default: float) -> float:
    """A positive number; ValueError names the variable when it is anything else."""
    raw = _environment(environ).get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ValueError(f"{name} must be a positive number (it is {raw!r})")
    return value


def _positive_whole(environ: Environment | None, name: str, default: int) -> int:
    """A count such as 7: like _positive, but 2.5 is refused too."""
    value = _positive(environ, name, float(default))
    if not value.is_integer():
        raise ValueError(f"{name} must be a positive whole number (it is {_environment(environ)[name].strip()!r})")
    return int(value)


# -- settings whose names are themselves configured

# credentials.yml names the Telegram channel's variables (token_env, webhook_url_env, secret_token_env);
# these are the names unless it says otherwise.
TELEGRAM_TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
TELEGRAM_WEBHOOK_URL_ENV = "TELEGRAM_WEBHOOK_URL"
TELEGRAM_SECRET_TOKEN_ENV = "TELEGRAM_SECRET_TOKEN"


def named_setting(name: str, environ: Environment | None = None) -> str:
    """The variable called `name`, as it is ("" when unset): the Telegram channel's names above, and the
    secrets bot/escalation/oncall.example.yml names (password_env, token_env, secret_env)."""
    return _environment(environ).get(name, "")


def audit_required() -> bool:
    """Make the dependency audit fail the build when the vulnerability service could not be asked."""
    return os.environ.get("STEADY_AUDIT_REQUIRED") == "1"
