"""Rasa's SQL tracker store, on the database Steady's settings name, with conversation text encrypted,
and a cost per message that does not grow with the length of the conversation.

The `data` column of Rasa's `events` table (the full event, including what the person wrote) is
encrypted on insert and decrypted on load. The intent and action name columns are left empty (they
are inside the encrypted data): beside a sender id, "risk" or a crisis reply would say who disclosed
what. Ids, event types and timestamps stay readable.

Stock Rasa reads and decrypts every event of the session on every message, replays them all, then
sends them all to the action server: a long conversation gets slower with each message. Here each
process keeps a window per conversation: the events since the last read, decrypted once, appended
(only rows newer than the last one it saw are read, so several processes on one database stay
right). When the window holds more than COMPACT_AFTER_TURNS of the person's messages, the older part
is replaced by what it amounts to: the session's start, the slots, the active form and a pause, as
a session start with carried-over slots would be, followed by the last KEEP_TURNS messages in full.
Nothing is deleted: the database keeps every event, and Rasa's full-tracker API still reads them all.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, ConversationPaused, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.orm.attributes import set_committed_value

from bot import config
from bot.crypto import decrypt_text, encrypt_text
from bot.db import engine_for

SQLEvent = SQLTrackerStore.SQLEvent
KEEP_TURNS = 8  # the person's latest messages always kept in full (policies look back 4 turns)
COMPACT_AFTER_TURNS = 16
CACHED_CONVERSATIONS = 2000
STORED = "_steady_stored"  # on a tracker read from this store: (events read, id of the last stored row)


@event.listens_for(SQLEvent, "before_insert")
def _encrypt_on_insert(_mapper: Any, _connection: Any, row: SQLEvent) -> None:
    row.data = encrypt_text(row.data)
    row.intent_name = None
    row.action_name = None


@event.listens_for(SQLEvent, "load")
def _decrypt_on_load(row: SQLEvent, _context: Any) -> None:
    set_committed_value(row, "data", decrypt_text(row.data))  # not a change to write back


@dataclass
class Window:
    """One conversation's current session as this process last read it."""

    last_row: int  # id of the newest stored event
    summary: list[dict[str, Any]] = field(default_factory=list)  # the state of the compacted part
    events: list[dict[str, Any]] = field(default_factory=list)  # the rest, in full, oldest first

    def all(self) -> list[dict[str, Any]]:
        return self.summary + self.events


def state_summary(tracker: DialogueStateTracker, session_started: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Events that replay to the tracker's state: what action_session_start writes when it carries
    slots over, plus the active form and a counselor's pause."""
    at = tracker.events[-1].timestamp if tracker.events else None
    events = [session_started] if session_started else []
    events.append(ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at).as_dict())
    for slot in tracker.slots.values():
        if slot.value != slot.initial_value:
            events.append(SlotSet(slot.name, slot.value, timestamp=at).as_dict())
    if tracker.active_loop_name:
        events.append(ActiveLoop(tracker.active_loop_name, timestamp=at).as_dict())
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=at).as_dict())
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=at).as_dict())
    return events


def compact(sender_id: str, window: Window, domain: Domain) -> None:
    """Replace all but the last KEEP_TURNS messages by their summary, once there are too many."""
    starts = [index for index, item in enumerate(window.events) if item.get("event") == "user"]
    if len(starts) <= COMPACT_AFTER_TURNS:
        return
    boundary = starts[-KEEP_TURNS]
    older = window.all()[: len(window.summary) + boundary]
    tracker = DialogueStateTracker.from_dict(sender_id, older, domain.slots)
    session_started = next((item for item in reversed(older) if item.get("event") == "session_started"), None)
    window.summary, window.events = state_summary(tracker, session_started), window.events[boundary:]


class SteadyTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Domain | None = None, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)
        url = config.database_url()
        engine_for(url)  # the project's tables (and SQLite's WAL mode) exist before Rasa writes
        config.encryption_key()  # fail at start-up, not mid-conversation, if the key is unusable
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.windows: OrderedDict[str, Window] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session, from this process's window plus the rows stored since."""
        window = self._window(sender_id)
        if window is None or not self.domain:
            return None
        events = window.all()
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, STORED, (len(tracker.events), window.last_row))
        return tracker

    def _window(self, sender_id: str) -> Window | None:
        with self.session_scope() as session:
            window = self.windows.pop(sender_id, None)
            if window is not None:
                rows = (
                    session.query(SQLEvent)
                    .filter(SQLEvent.sender_id == sender_id, SQLEvent.id >= window.last_row)
                    .order_by(SQLEvent.id)
                    .all()
                )
                fresh = rows[1:]
                if not rows or rows[0].id != window.last_row or any(r.type_name == "session_started" for r in fresh):
                    window = None  # erased, or a new session began elsewhere: read it whole
                else:
                    window.events += [json.loads(row.data) for row in fresh]
                    window.last_row = rows[-1].id
            if window is None:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
                if not rows:
                    return None
                window = Window(rows[-1].id, events=[json.loads(row.data) for row in rows])
        if self.domain:
            compact(sender_id, window, self.domain)
        self._keep(sender_id, window)
        return window

    def _keep(self, sender_id: str, window: Window) -> None:
        self.windows[sender_id] = window
        while len(self.windows) > CACHED_CONVERSATIONS:
            self.windows.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events added since the tracker was read (every event, once)."""
        stored = getattr(tracker, STORED, None)
        if stored is None:  # not read through retrieve (a new conversation): Rasa's own way
            self.windows.pop(tracker.sender_id, None)
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        read, last_row = stored
        new = [event.as_dict() for event in list(tracker.events)[read:]]
        if not new:
            return
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, data) for data in new]
            session.add_all(rows)
            session.flush()
            newest = rows[-1].id
            session.commit()
        setattr(tracker, STORED, (len(tracker.events), newest))
        window = self.windows.get(tracker.sender_id)
        if window is None or window.last_row != last_row:
            self.windows.pop(tracker.sender_id, None)  # written elsewhere meanwhile: read it again next time
            return
        starts = [index for index, item in enumerate(new) if item.get("event") == "session_started"]
        if starts:  # a new session: the window holds only it, as Rasa's query would
            window.summary, window.events = [], new[starts[-1] :]
        else:
            window.events += new
        window.last_row = newest

    def _row(self, sender_id: str, data: dict[str, Any]) -> SQLEvent:
        """One `events` row, as Rasa's SQLTrackerStore.save writes it."""
        return SQLEvent(
            sender_id=sender_id,
            type_name=data.get("event"),
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )
