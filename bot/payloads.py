"""Every payload Steady sends beyond plain text, built and read in one place.

No Rasa imports: the action server, the Rasa server's channels and the web server all use it.

Custom payloads go out with dispatcher.utter_message(json_message=...) and reach a channel as
message["custom"]. Each has a "type" and a "fallback_text" for whatever cannot draw it:
- breathing_pacer: a breathing pattern, round by round. The widget draws a growing circle; Telegram
  edits one message count by count.
- guided_sequence: lines shown one at a time for their seconds (body scan, muscle relaxation). The
  widget shows them line by line; Telegram edits one message line by line.
- progress_chart: distress before and after each run, and the check-ins. The widget draws it; other
  channels say the text sent with it.
The widget's history, the console's transcript and every other channel show the fallback text.

Intent payloads ("/request_exercise{"exercise": "breathing"}") are what buttons send: intent_payload
builds them. A claimed button press counts only if Steady offered that payload within its last
BUTTON_TURNS turns (offered_buttons), so nobody can force an intent by typing one
(bot/channels/inbound.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

BREATHING_PACER = "breathing_pacer"
GUIDED_SEQUENCE = "guided_sequence"
PROGRESS_CHART = "progress_chart"
PACED = (BREATHING_PACER, GUIDED_SEQUENCE)  # played over time, count by count or line by line
DRAWN = (*PACED, PROGRESS_CHART)  # every custom payload the widget draws

Custom = dict[str, Any]
Rows = list[dict[str, Any]]


# ---------------------------------------------------------------- builders


def breathing_pacer(pattern: str, label: str, rounds: int, phases: Rows, fallback_text: str) -> Custom:
    """phases: [{"phase": "in" | "hold" | "out", "say": str, "seconds": int}], repeated `rounds` times."""
    return {
        "type": BREATHING_PACER,
        "pattern": pattern,
        "label": label,
        "rounds": rounds,
        "phases": phases,
        "total_seconds": rounds * sum(int(phase["seconds"]) for phase in phases),
        "fallback_text": fallback_text,
    }


def guided_sequence(step: str, label: str, lines: Rows, fallback_text: str) -> Custom:
    """lines: [{"say": str, "seconds": int}], shown one after another."""
    return {
        "type": GUIDED_SEQUENCE,
        "step": step,
        "label": label,
        "lines": lines,
        "total_seconds": sum(int(line["seconds"]) for line in lines),
        "fallback_text": fallback_text,
    }


def progress_chart(title: str, runs: Rows, checkins: Rows, fallback_text: str) -> Custom:
    """runs: [{"date", "label", "before", "after"}]; checkins: [{"date", "mood", "rating"}]."""
    return {"type": PROGRESS_CHART, "title": title, "runs": runs, "checkins": checkins, "fallback_text": fallback_text}


def intent_payload(intent: str, entities: dict[str, Any] | None = None) -> str:
    """What a button sends to trigger `intent` (with entities): '/request_exercise{"exercise": "breathing"}'."""
    return f"/{intent}" + (json.dumps(entities) if entities else "")


# ---------------------------------------------------------------- readers


def custom_of(message: Any) -> Custom | None:
    """The custom payload of a message as a channel gets it ({"text", "buttons", "custom"}), if any."""
    custom = message.get("custom") if isinstance(message, dict) else None
    return custom if isinstance(custom, dict) else None


def is_paced(custom: Any) -> bool:
    return isinstance(custom, dict) and custom.get("type") in PACED


def is_drawn(custom: Any) -> bool:
    return isinstance(custom, dict) and custom.get("type") in DRAWN


def fallback_text(custom: Any) -> str:
    """What to say instead of drawing the payload."""
    if not isinstance(custom, dict):
        return ""
    return str(custom.get("fallback_text") or custom.get("text") or "")


# A button stays valid for this many of the person's turns: in a crisis someone taps "I haven't taken
# anything" after first answering which country they are in.
BUTTON_TURNS = 3


def offered_buttons(events: Iterable[Any]) -> set[str]:
    """Button payloads in the assistant's last BUTTON_TURNS turns. `events` are oldest first, as
    dicts (stored or sent to the action server) or as Rasa's event objects (a tracker's events)."""
    offered: set[str] = set()
    turns = 0
    for event in reversed(list(events)):
        kind, data = _kind_and_data(event)
        if kind == "user":
            turns += 1
            if turns >= BUTTON_TURNS:
                break
        if kind == "bot":
            for key in ("buttons", "quick_replies"):
                offered.update(str(button.get("payload")) for button in data.get(key) or [] if isinstance(button, dict))
    return offered


def _kind_and_data(event: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(event, dict):
        kind, data = event.get("event"), event.get("data")
    else:  # rasa.shared.core.events.Event: UserUttered.type_name == "user", BotUttered.type_name == "bot"
        kind, data = getattr(event, "type_name", None), getattr(event, "data", None)
    return kind, data if isinstance(data, dict) else {}
