"""What every channel does to a message before Rasa sees it: one place, shared by the chat page
API (bot/web/server.py), the widget (bot/channels/webchat.py), Telegram (bot/channels/telegram/incoming.py)
and Rasa's REST channel (bot/channels/rest.py).

- `sanitise`: text every NLU component can read: lone UTF-16 surrogates (half an emoji) and
  control characters other than newline and tab are removed.
- `typed_text`: what a person typed can never force an intent: leading space, slashes (also the
  full-width one) and invisible characters are removed, however they are mixed ("/ /restart").
- `button_payload`: a claimed button press is used as a payload only if it is exactly one the
  assistant offered in its latest turns (bot.payloads.offered_buttons) or one of the channel's own
  commands, and never one of Rasa's control intents; otherwise it is typed text. So entities can
  only come from Steady's buttons.
- `valid_sender`: conversation ids are short printable tokens (a Telegram chat id, a widget token).
- `valid_session_id`: the widget's session id is a secret of 64 random hex digits that Steady issues
  (`new_session_id`; the widget never makes its own). `conversation_of` turns it one way into the
  conversation id Rasa stores, so a conversation id (seen in the console or a log, or guessed)
  neither reads, continues nor erases the chat; only the secret in the person's browser does.
  `widget_shaped`: other channels never use a conversation id of that shape.
- `too_long`: a message longer than MAX_MESSAGE_CHARS is refused with a request to send it in parts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
SESSION_ID_BYTES = 32  # the widget's session id: 32 random bytes as 64 lowercase hex digits
MIN_DISTINCT_SESSION_CHARS = 8  # fewer looks hand-made (all zeros)
# Payloads a channel itself may send: the greeting on a new conversation and "Need urgent help?".
CHANNEL_COMMANDS = frozenset({"/greet", "/request_human"})
# Rasa's built-in control intents: "/restart" would wipe the conversation's state (the risk flag,
# the screening) and end a counselor's takeover. No button of Steady's sends them.
CONTROL_INTENTS = frozenset({"restart", "session_start", "back"})

_UNREADABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad"
_LEADING = re.compile(rf"^[\s/\uff0f\u2215\u2044{_INVISIBLE}]+")
_SENDER = re.compile(rf"^[A-Za-z0-9_.:@-]{{1,{MAX_SENDER_CHARS}}}$")
_PAYLOAD_INTENT = re.compile(r"^/([A-Za-z0-9_]+)")
_SESSION_ID = re.compile(rf"^[0-9a-f]{{{2 * SESSION_ID_BYTES}}}$")
_CONVERSATION_LABEL = b"steady-widget-conversation:"


def sanitise(text: str) -> str:
    return _UNREADABLE.sub("", text)


def typed_text(text: str) -> str:
    return _LEADING.sub("", sanitise(text)).strip()


def is_control(payload: str) -> bool:
    match = _PAYLOAD_INTENT.match(payload)
    return bool(match) and match.group(1).lower() in CONTROL_INTENTS


def button_payload(claimed: str, offered: Iterable[str]) -> str | None:
    """The payload to send if this is a button Steady offered (or a channel command), else None."""
    payload = sanitise(claimed).strip()
    if not payload.startswith("/") or is_control(payload):
        return None
    return payload if payload in CHANNEL_COMMANDS or payload in set(offered) else None


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS


def valid_sender(sender: Any) -> bool:
    return isinstance(sender, str) and bool(_SENDER.match(sender))


def valid_session_id(session_id: Any) -> bool:
    """A long lowercase hex token that does not look hand-made (e.g. all zeros)."""
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        return False
    return len(set(session_id)) >= MIN_DISTINCT_SESSION_CHARS


def new_session_id() -> str:
    return secrets.token_hex(SESSION_ID_BYTES)


def conversation_of(session_id: Any) -> str | None:
    """The conversation id a widget's session secret opens (a SHA-256, not reversible), else None."""
    if not valid_session_id(session_id):
        return None
    return hashlib.sha256(_CONVERSATION_LABEL + session_id.encode()).hexdigest()


def widget_shaped(sender: str) -> bool:
    return bool(_SESSION_ID.match(sender))
