"""Pure parts of the Telegram channel: keyboards, button data, long-text splitting, breathing frames.

Nothing here talks to the network, so all of it is unit-tested directly.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import wording
from bot.payloads import GUIDED_SEQUENCE

TEXT_LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units
CALLBACK_LIMIT = 64  # Telegram's limit for callback_data, in bytes

# The first character of callback_data says what it holds.
PAYLOAD = "p"  # "p" + the payload itself, when it fits
HASHED = "h"  # "h" + a short key of a payload kept in a PayloadStore
FORGET = "f"  # "f" + "yes" / "no": the answer to /forget's confirmation


# ---------------------------------------------------------------- buttons


class PayloadStore:
    """Payloads too long for callback_data, under a short key derived from the payload itself.

    The same payload always gets the same key, so a restart only loses buttons whose payload is
    never offered again. The oldest entries are dropped beyond `capacity`.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def key_for(self, payload: str) -> str:
        key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self._payloads.get(key)


def callback_data(payload: str, store: PayloadStore) -> str:
    """What a button carries: the payload itself when it fits in 64 bytes, else a short key."""
    direct = PAYLOAD + payload
    if len(direct.encode("utf-8")) <= CALLBACK_LIMIT:
        return direct
    return HASHED + store.key_for(payload)


def payload_of(data: str, store: PayloadStore) -> str | None:
    """The payload a button press stands for; None when unknown or forgotten."""
    if data.startswith(PAYLOAD):
        return data[1:]
    if data.startswith(HASHED):
        return store.get(data[1:])
    return None


def row_width(titles: list[str]) -> int:
    """Short titles (numbers, yes/no) side by side; longer ones fewer per row."""
    longest = max((len(title) for title in titles), default=0)
    for limit, width in ((4, 6), (10, 3), (16, 2)):
        if longest <= limit:
            return width
    return 1


def keyboard(buttons: list[dict[str, Any]], store: PayloadStore) -> InlineKeyboardMarkup | None:
    """Rasa buttons ({title, payload} or {title, url}) as an inline keyboard."""
    keys = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        if button.get("url"):
            keys.append(InlineKeyboardButton(title, url=str(button["url"])))
        else:
            payload = str(button.get("payload") or title)
            keys.append(InlineKeyboardButton(title, callback_data=callback_data(payload, store)))
    if not keys:
        return None
    width = row_width([key.text for key in keys])
    return InlineKeyboardMarkup([keys[i : i + width] for i in range(0, len(keys), width)])


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes, erase everything", callback_data=FORGET + "yes"),
                InlineKeyboardButton("No, keep it", callback_data=FORGET + "no"),
            ]
        ]
    )


def offered_data(markup: InlineKeyboardMarkup | None) -> dict[str, str]:
    """callback_data -> title for every button of a keyboard."""
    if markup is None:
        return {}
    return {key.callback_data: key.text for row in markup.inline_keyboard for key in row if key.callback_data}


# ---------------------------------------------------------------- long text

_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "… ", "; ", ", ", " ")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> str:
    window = text[:limit]
    excess = utf16_length(window) - limit
    return window[: len(window) - excess] if excess > 0 else window


def _cut_at(text: str, limit: int) -> int:
    """Where to end the first part: the last paragraph end, else line, sentence, clause, word."""
    window = _fitting_prefix(text, limit)
    for mark in _BREAKS:
        at = window.rfind(mark)
        if at >= len(window) // 3:
            return at + len(mark)
    return len(window)


def split_message(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split text into parts Telegram accepts, at paragraph or sentence boundaries when possible."""
    parts: list[str] = []
    rest = text.strip()
    while utf16_length(rest) > limit:
        cut = _cut_at(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


# ---------------------------------------------------------------- breathing pacer


def _words(*path: str, **values: object) -> str:
    """A line the pacers say (bot/content/telegram.yml)."""
    return wording.say("telegram", *path, **values)


@dataclass(frozen=True)
class Frame:
    at: int  # counts from the start (one count is one second at the normal pace)
    text: str


MAX_PHASE_SECONDS = 60
MAX_ROUNDS = 20


def _timed(items: list[dict[str, Any]] | None, what: str) -> list[tuple[str, int]]:
    """(what to say, for how many seconds) of each item; ValueError names an unusable one."""
    timed = []
    for item in items or []:
        say, seconds = str(item.get("say") or "").strip(), int(item.get("seconds") or 0)
        if not say or not 0 < seconds <= MAX_PHASE_SECONDS:
            raise ValueError(f"unusable {what}: {item!r}")
        timed.append((say, seconds))
    return timed


def _phases(pacer: dict[str, Any]) -> list[tuple[str, int]]:
    phases = _timed(pacer.get("phases"), "breathing phase")
    if not phases:
        raise ValueError("a breathing pacer needs at least one phase")
    return phases


def pacer_frames(pacer: dict[str, Any]) -> list[Frame]:
    """One frame per count: "Breathe in... 4", "Breathe in... 4 3", ..., then a closing frame.

    Raises ValueError for a payload that cannot be paced (the caller sends its fallback_text).
    """
    phases = _phases(pacer)
    rounds = int(pacer.get("rounds") or 0)
    if not 0 < rounds <= MAX_ROUNDS:
        raise ValueError(f"unusable number of rounds: {rounds!r}")
    label = str(pacer.get("label") or _words("pacer", "label"))
    frames, at = [], 0
    for round_number in range(1, rounds + 1):
        heading = f"{label}\n{_words('pacer', 'round', round=round_number, rounds=rounds)}"
        for say, seconds in phases:
            for shown in range(1, seconds + 1):
                counts = " ".join(str(n) for n in range(seconds, seconds - shown, -1))
                frames.append(Frame(at, f"{heading}\n\n{say}... {counts}"))
                at += 1
    done = _words("pacer", "done_one") if rounds == 1 else _words("pacer", "done_many", rounds=rounds)
    frames.append(Frame(at, f"{label}\n{done}"))
    return frames


def pacer_stopped_text(pacer: dict[str, Any]) -> str:
    label = str(pacer.get("label") or _words("pacer", "label"))
    return f"{label}\n{_words('pacer', 'stopped')}"


# ---------------------------------------------------------------- guided sequence (body scan, muscle relaxation)

MAX_GUIDE_LINES = 40


def _guide_lines(guide: dict[str, Any]) -> list[tuple[str, int]]:
    lines = _timed(guide.get("lines"), "guide line")
    if not 0 < len(lines) <= MAX_GUIDE_LINES:
        raise ValueError("a guided sequence needs 1 to 40 lines")
    return lines


def guide_frames(guide: dict[str, Any]) -> list[Frame]:
    """One frame per line, shown for the line's seconds: "Body scan · 3 of 14" and the line, then a
    closing frame. Raises ValueError for a payload that cannot be paced (the caller sends its fallback)."""
    lines = _guide_lines(guide)
    label = guide_label(guide)
    frames, at = [], 0
    for number, (line, seconds) in enumerate(lines, start=1):
        step = _words("guide", "step", number=number, total=len(lines))
        frames.append(Frame(at, f"{label} · {step}\n\n{line}"))
        at += seconds
    frames.append(Frame(at, f"{label}\n{_words('guide', 'done')}"))
    return frames


def guide_label(guide: dict[str, Any]) -> str:
    return str(guide.get("label") or _words("guide", "label"))


def paced_frames(payload: dict[str, Any]) -> list[Frame]:
    """The frames of any paced payload: a breathing pacer or a guided sequence."""
    return guide_frames(payload) if payload.get("type") == GUIDED_SEQUENCE else pacer_frames(payload)


def paced_stopped_text(payload: dict[str, Any]) -> str:
    if payload.get("type") == GUIDED_SEQUENCE:
        return f"{guide_label(payload)}\n{_words('guide', 'stopped')}"
    return pacer_stopped_text(payload)
