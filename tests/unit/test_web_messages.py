"""What the chat page's /api/messages accepts: the checks before anything reaches Rasa."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.inbound import MAX_MESSAGE_CHARS
from bot.web.server import message_from

SENDER = "a" * 32
START_GROUNDING = '/request_exercise{"exercise": "grounding"}'


@pytest.mark.parametrize(
    ("body", "passed_on"),
    [
        ({"sender": SENDER, "text": "/restart"}, "restart"),  # typed: the slash is dropped, it is just a word
        ({"sender": SENDER, "payload": "/mood_low"}, "/mood_low"),
        ({"sender": SENDER, "payload": START_GROUNDING}, START_GROUNDING),
        ({"sender": SENDER, "payload": "done"}, "done"),
    ],
)
def test_buttons_and_typed_text_are_passed_on(body: dict[str, Any], passed_on: str) -> None:
    assert message_from(body, offered={"/mood_low", START_GROUNDING}) == (SENDER, passed_on)


@pytest.mark.parametrize(
    "payload",
    ["/restart", "/session_start", "/back", '/restart{"x": "y"}', "/EXTERNAL_checkin_reminder", "/mood_low{{}}"],
)
def test_payloads_that_would_control_rasa_or_were_not_offered_become_typed_text(payload: str) -> None:
    sender, text = message_from({"sender": SENDER, "payload": payload}, offered={"/mood_low", "/restart"})
    assert sender == SENDER and not text.startswith("/")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "Send JSON"),
        ({"sender": "short", "text": "hi"}, "conversation id"),
        ({"sender": SENDER, "text": "  / "}, "Please type a message."),
        ({"sender": SENDER, "text": "x" * (MAX_MESSAGE_CHARS + 1)}, "too long"),
    ],
)
def test_unusable_requests_get_a_plain_reason(body: Any, reason: str) -> None:
    answer = message_from(body)
    assert isinstance(answer, str) and reason in answer
