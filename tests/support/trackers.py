"""Build real rasa_sdk Trackers for action tests from small JSON fixtures."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import REPO_ROOT

FIXTURES = Path(__file__).parents[1] / "unit" / "fixtures"
DOMAIN: dict[str, Any] = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())


def message(
    text: str, intent: str, confidence: float = 0.95, entities: list[dict] | None = None, risk: dict | None = None
) -> dict[str, Any]:
    parsed: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "message_id": "m1",
    }
    if risk is not None:
        parsed["risk"] = risk
    return parsed


def tracker(
    latest: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    sender: str = "person-1",
    channel: str = "rest",
    active_loop: str | None = None,
    extracted: dict[str, Any] | None = None,
    earlier: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker whose last user message is `latest`; `extracted` are slots set from that message;
    `earlier` are events before it (a session start, say)."""
    all_slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    all_slots.update(slots or {})
    events = [*(earlier or [])]
    events += [
        {"event": "user", "text": (latest or {}).get("text", ""), "input_channel": channel, "parse_data": latest or {}}
    ]
    events += [{"event": "slot", "name": name, "value": value} for name, value in (extracted or {}).items()]
    return Tracker(
        sender,
        all_slots,
        latest or {},
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def from_fixture(name: str) -> Tracker:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    return tracker(
        data["latest_message"],
        data.get("slots"),
        data.get("sender", "person-1"),
        data.get("channel", "rest"),
        data.get("active_loop"),
    )


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def run_action(action: Any, tracker_: Tracker) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    """Run a custom action as the action server would; returns its events and what it said."""
    dispatcher = CollectingDispatcher()
    return asyncio.run(action.run(dispatcher, tracker_, DOMAIN)), dispatcher
