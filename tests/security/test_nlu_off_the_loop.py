"""Finding 12: the NLU runs in a worker thread, not on the Rasa server's one event loop, so one long
message cannot stall every other conversation (text itself is capped at 2,000 characters by every
channel: tests/security/test_forced_intents.py)."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from bot.nlu_thread import run_nlu_in_threads


def test_the_nlu_pipeline_runs_in_a_worker_thread(monkeypatch: Any) -> None:
    seen: list[threading.Thread] = []

    def parse_with_graph(self: Any, message: Any, tracker: Any, only_output_properties: bool) -> dict:
        seen.append(threading.current_thread())
        return {"text": message.text, "intent": {"name": "greet", "confidence": 1.0}, "entities": []}

    monkeypatch.setattr(MessageProcessor, "parse_message", MessageProcessor.parse_message)
    monkeypatch.setattr(MessageProcessor, "_parse_message_with_graph", parse_with_graph)
    monkeypatch.setattr(MessageProcessor, "_check_for_unseen_features", lambda self, parse_data: None)
    run_nlu_in_threads()
    processor = MessageProcessor.__new__(MessageProcessor)
    processor.http_interpreter = None
    processor.domain = SimpleNamespace(retrieval_intent_responses={})

    async def handle() -> tuple[dict, threading.Thread]:
        parsed = await processor.parse_message(UserMessage("hello there"))
        return parsed, threading.current_thread()

    parsed, loop_thread = asyncio.run(handle())
    assert parsed["intent"]["name"] == "greet"
    assert seen and seen[0] is not loop_thread
