"""What a counselor reads about one person: the conversation from Rasa's tracker store with the
risk language highlighted, the screener answers, and their exercise history.

Highlighting never trusts the text: each segment is escaped on its own and only the matched
ranges (character offsets from the risk detector) are wrapped in <mark>.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from markupsafe import Markup, escape

from bot import conversations, payloads, usage
from bot.risk.model import RiskAssessment, RiskHit
from bot.usage import Checkin, Run

TRANSCRIPT_LIMIT = 3000  # events shown at most: the newest
SHOWN_EVENTS = ("user", "bot", "pause", "resume", "restart", "session_started")
MARKERS = {
    "pause": "The assistant was paused: a counselor is talking.",
    "resume": "The assistant was resumed.",
    "restart": "The conversation was restarted.",
    "session_started": "A new session started.",
}
CSSRS_QUESTIONS = {
    "wish_dead": "Wished to be dead or not to wake up (past month)",
    "thoughts": "Thoughts of killing themselves (past month)",
    "method": "Thought about how they might do it",
    "intent": "Some intention of acting on the thoughts",
    "plan": "Worked out details of a plan and intends to carry it out",
    "behaviour": "Ever done, started or prepared anything to end their life",
    "behaviour_recent": "That was within the past 3 months",
}
CSSRS_ANSWERS = {"yes": "Yes", "no": "No", "unclear": "Unclear answer", "declined": "Declined to answer"}


@dataclass(frozen=True)
class Line:
    """One shown entry of the conversation."""

    event_id: int
    kind: str  # user, bot, counselor, marker
    text: str
    html: Markup
    at: datetime | None
    risk: tuple[RiskHit, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.event_id, "kind": self.kind, "html": str(self.html),
            "at": self.at.strftime("%H:%M:%S") if self.at else "",
        }


def highlight(message: str, ranges: list[tuple[int, int]]) -> Markup:
    """The message as HTML: every piece escaped, the given character ranges inside <mark>."""
    pieces: list[Markup] = []
    position = 0
    for start, end in _merged(ranges, len(message)):
        pieces += [escape(message[position:start]), Markup("<mark>"), escape(message[start:end]), Markup("</mark>")]
        position = end
    pieces.append(escape(message[position:]))
    return Markup("").join(pieces)


def _merged(ranges: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    clean = sorted((max(0, start), min(length, end)) for start, end in ranges if start < end)
    merged: list[tuple[int, int]] = []
    for start, end in clean:
        if start >= length:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def hit_ranges(message: str, hits: Iterable[RiskHit]) -> list[tuple[int, int]]:
    """Valid (start, end) offsets of hits; a hit whose offsets do not fit its text is looked up by text."""
    ranges = []
    for hit in hits:
        start, end, words = hit.start, hit.end, hit.text
        if 0 <= start < end <= len(message) and (not words or message[start:end] == words):
            ranges.append((start, end))
            continue
        found = message.find(words) if words else -1
        if found >= 0:
            ranges.append((found, found + len(words)))
    return ranges


def _when(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None)


def _user_line(event_id: int, at: datetime | None, data: dict, spans: list[dict], offered: dict[str, str]) -> Line:
    """A message of the person's, its risk words marked: the detector's hits, else the escalation's
    spans recorded for this message. A tapped button reads as its title, never as "/greet"."""
    message = data.get("text") or ""
    if message.startswith("/"):
        tapped = f"[tapped “{offered[message]}”]" if message in offered else "[tapped a button]"
        return Line(event_id, "user", tapped, escape(tapped), at)
    risk = RiskAssessment.of_message(data.get("parse_data")).hits
    if not risk and data.get("message_id"):
        risk = tuple(RiskHit.from_dict(span) for span in spans if span.get("message_id") == data.get("message_id"))
    return Line(event_id, "user", message, highlight(message, hit_ranges(message, risk)), at, risk)


def _bot_line(event_id: int, at: datetime | None, data: dict) -> Line:
    """What Steady said (a guided sequence, sent without text, by its fallback text) and its buttons."""
    message = data.get("text") or payloads.fallback_text(payloads.custom_of(data.get("data")))
    buttons = (data.get("data") or {}).get("buttons") or []
    titles = [str(button.get("title", "")) for button in buttons if isinstance(button, dict)]
    html = escape(message)
    if titles:
        html += Markup('<span class="buttons">') + escape(" · ".join(titles)) + Markup("</span>")
    kind = "counselor" if (data.get("metadata") or {}).get("counselor") else "bot"
    return Line(event_id, kind, message, Markup(html), at)


def _buttons_of(data: dict) -> dict[str, str]:
    buttons = (data.get("data") or {}).get("buttons") or []
    return {str(b.get("payload")): str(b.get("title", "")) for b in buttons if isinstance(b, dict) and b.get("payload")}


def lines(conversation_id: str, spans: list[dict] | None = None, after_id: int = 0) -> list[Line]:
    """The conversation as shown: messages both ways and the pause/resume/restart markers."""
    shown = []
    shown_events = conversations.events(
        conversation_id, kinds=SHOWN_EVENTS, after_id=after_id, newest=TRANSCRIPT_LIMIT, lenient=True
    )
    offered: dict[str, str] = {}  # payload -> title of the buttons Steady last showed
    for event in shown_events:
        at, kind = _when(event.timestamp), event.type_name
        if kind == "user":
            shown.append(_user_line(event.id, at, event.data, spans or [], offered))
        elif kind == "bot":
            shown.append(_bot_line(event.id, at, event.data))
            offered = _buttons_of(event.data) or offered
        elif kind in MARKERS:
            shown.append(Line(event.id, "marker", MARKERS[kind], escape(MARKERS[kind]), at))
    return shown


def latest_input_channel(conversation_id: str) -> str | None:
    """The channel the person last wrote from (where a counselor's message will be delivered)."""
    said = conversations.events(conversation_id, kinds=("user",), newest=1, lenient=True)
    channel = said[0].data.get("input_channel") if said else None
    return str(channel) if channel else None


def cssrs_summary(cssrs: dict) -> list[tuple[str, str]]:
    """(question, answer) for every screener question that has an answer, in the order asked."""
    return [
        (label, CSSRS_ANSWERS.get(str(cssrs[key]), str(cssrs[key])))
        for key, label in CSSRS_QUESTIONS.items()
        if cssrs.get(key) is not None
    ]


def exercise_history(pseudonym: str, limit: int = 2000) -> tuple[list[Run], list[Checkin]]:
    """The person's exercise runs and mood check-ins from the usage log, newest first."""
    rows = usage.history(pseudonym, limit=limit)
    runs = sorted(usage.runs(rows), key=lambda run: run.started_at, reverse=True)
    return runs, list(reversed(usage.checkins(rows)))
