"""Rasa's NLU off the event loop: one Rasa server answers every channel from one event loop, and
Rasa 3.6 runs the NLU pipeline (spaCy, DIET, the risk detector) right on it, so one slow message
stalls every conversation, crisis replies included. `run_nlu_in_threads()` makes the processor run
the pipeline in a worker thread instead. Conversations stay in order: Rasa's lock store lets only
one message per conversation through at a time. Installed by bot/channels/rest.py at start-up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.processor import MessageProcessor

_original_parse = MessageProcessor.parse_message


async def _parse_in_a_thread(self: MessageProcessor, message: Any, tracker: Any = None,
                             only_output_properties: bool = True) -> dict[str, Any]:
    if self.http_interpreter:  # a remote NLU server: already off this process
        return await _original_parse(self, message, tracker, only_output_properties)
    return await asyncio.to_thread(asyncio.run, _original_parse(self, message, tracker, only_output_properties))


def run_nlu_in_threads() -> None:
    MessageProcessor.parse_message = _parse_in_a_thread  # type: ignore[method-assign]
