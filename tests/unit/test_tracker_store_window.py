"""A long conversation costs the same per message as a short one, and loses nothing: the tracker the
store hands Rasa stays bounded, its state (slots, form, pause, latest message, session start) is the
state of every event replayed, and every event is stored exactly once, with one process or two."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import tracker_store
from bot.tracker_store import SteadyTrackerStore

DOMAIN = Domain.from_dict(
    {
        "intents": ["mood_low", "request_exercise"],
        "slots": {
            "mood": {"type": "any", "mappings": [{"type": "custom"}]},
            "turns": {"type": "any", "mappings": [{"type": "custom"}]},
            "risk_flag": {"type": "bool", "initial_value": False, "mappings": [{"type": "custom"}]},
        },
        "responses": {"utter_ok": [{"text": "ok"}]},
    }
)


def turn(number: int) -> list[Event]:
    """One exchange the way Rasa logs it: what the person said, the bot's answer, slots, the form."""
    events: list[Event] = [
        UserUttered(f"feeling a bit off today, number {number}", {"name": "mood_low", "confidence": 0.9}),
        ActionExecuted("utter_ok"),
        BotUttered(f"thanks for telling me ({number})"),
        SlotSet("turns", number),
    ]
    if number % 7 == 3:
        events += [ActionExecuted("grounding_form"), ActiveLoop("grounding_form"), SlotSet("mood", f"low {number}")]
    if number % 7 == 6:
        events += [ActionExecuted("grounding_form"), ActiveLoop(None)]
    if number == 5:
        events.append(SlotSet("risk_flag", True))
    if number == 30:
        events.append(ConversationPaused())
    if number == 33:
        events.append(ConversationResumed())
    return [*events, ActionExecuted("action_listen")]


async def say(store: SteadyTrackerStore, sender: str, events: list[Event]) -> DialogueStateTracker:
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update_with_events(events, DOMAIN)
    await store.save(tracker)
    return tracker


def everything(store: SteadyTrackerStore, sender: str) -> DialogueStateTracker:
    """The session replayed from every stored event, as stock Rasa reads it."""
    tracker = asyncio.run(SQLTrackerStore.retrieve(store, sender))
    assert tracker is not None
    return tracker


def same_state(ours: DialogueStateTracker, full: DialogueStateTracker) -> None:
    assert ours.current_slot_values() == full.current_slot_values()
    assert ours.active_loop_name == full.active_loop_name
    assert ours.is_paused() == full.is_paused()
    assert ours.latest_message.text == full.latest_message.text
    assert ours.latest_action_name == full.latest_action_name
    assert [e.as_dict() for e in ours.events][-40:] == [e.as_dict() for e in full.events][-40:]


@pytest.fixture
def store(steady_env: Any, monkeypatch: pytest.MonkeyPatch) -> SteadyTrackerStore:
    monkeypatch.setenv("STEADY_ENCRYPTION_KEY", Fernet.generate_key().decode())
    return SteadyTrackerStore(domain=DOMAIN)


def stored_rows(steady_env: Any, sender: str) -> list[str]:
    raw = sqlite3.connect(steady_env.database_url.removeprefix("sqlite:///"))
    return [row[0] for row in raw.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def test_a_long_conversation_is_handed_to_rasa_bounded_with_the_state_of_every_event(
    store: SteadyTrackerStore, steady_env: Any
) -> None:
    written: list[str] = []
    sizes = []
    for number in range(1, 61):
        tracker = asyncio.run(say(store, "long", turn(number)))
        written += [event.type_name for event in turn(number)]
        sizes.append(len(tracker.events))
        same_state(asyncio.run(store.retrieve("long")), everything(store, "long"))
    assert stored_rows(steady_env, "long") == written, "every event stored once, in order"
    assert max(sizes[40:]) <= max(sizes[:20]) * 1.5, "what Rasa replays per message stops growing"
    latest = asyncio.run(store.retrieve("long"))
    assert latest.get_slot("risk_flag") is True and latest.get_slot("mood") == "low 59"


def test_a_fresh_process_reads_the_conversation_whole_once_and_agrees(
    store: SteadyTrackerStore, steady_env: Any
) -> None:
    for number in range(1, 41):
        asyncio.run(say(store, "restarted", turn(number)))
    other = SteadyTrackerStore(domain=DOMAIN)
    same_state(asyncio.run(other.retrieve("restarted")), asyncio.run(store.retrieve("restarted")))


def test_two_processes_taking_turns_lose_and_repeat_nothing(store: SteadyTrackerStore, steady_env: Any) -> None:
    other = SteadyTrackerStore(domain=DOMAIN)
    written: list[str] = []
    for number in range(1, 41):
        asyncio.run(say(store if number % 3 else other, "shared", turn(number)))
        written += [event.type_name for event in turn(number)]
    assert stored_rows(steady_env, "shared") == written
    for each in (store, other):
        same_state(asyncio.run(each.retrieve("shared")), everything(store, "shared"))


def test_a_new_session_starts_the_window_again_and_keeps_the_old_one_stored(
    store: SteadyTrackerStore, steady_env: Any
) -> None:
    for number in range(1, 31):
        asyncio.run(say(store, "sessions", turn(number)))
    start = [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("mood", "carried")]
    asyncio.run(say(store, "sessions", [*start, ActionExecuted("action_listen"), *turn(31)]))
    tracker = asyncio.run(store.retrieve("sessions"))
    assert [e.type_name for e in tracker.events][0] == "session_started"
    same_state(tracker, everything(store, "sessions"))
    assert len(stored_rows(steady_env, "sessions")) > len(tracker.events)


def test_an_erased_conversation_is_not_brought_back_from_memory(store: SteadyTrackerStore, steady_env: Any) -> None:
    for number in range(1, 25):
        asyncio.run(say(store, "erased", turn(number)))
    raw = sqlite3.connect(steady_env.database_url.removeprefix("sqlite:///"))
    raw.execute("DELETE FROM events WHERE sender_id = 'erased'")
    raw.commit()
    assert asyncio.run(store.retrieve("erased")) is None


def test_compaction_keeps_the_latest_messages_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [e.as_dict() for number in range(1, 30) for e in turn(number)]
    window = tracker_store.Window(last_row=1, events=list(events))
    tracker_store.compact("someone", window, DOMAIN)
    users = [e for e in window.events if e["event"] == "user"]
    assert len(users) == tracker_store.KEEP_TURNS and window.events == events[-len(window.events) :]
    replayed = DialogueStateTracker.from_dict("someone", window.all(), DOMAIN.slots)
    full = DialogueStateTracker.from_dict("someone", events, DOMAIN.slots)
    same_state(replayed, full)
