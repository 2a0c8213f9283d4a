"""The rules every channel applies before Rasa sees a message (bot/channels/inbound.py): typed text
never starts with a slash, and the widget's session ids are long random hex tokens. How each channel
holds to them against hostile input: tests/security/test_forced_intents.py."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from bot.channels import inbound


@pytest.mark.parametrize(
    ("typed", "passed_on"),
    [
        ("/deny", "deny"),
        ("  //restart ", "restart"),
        ("/ deny", "deny"),
        ('/inform_country{"country": "FR"}', 'inform_country{"country": "FR"}'),
        ("I feel / don't feel ok", "I feel / don't feel ok"),
        ("  hi  ", "hi"),
        ("///", ""),
    ],
)
def test_typed_text_never_starts_with_a_slash(typed: str, passed_on: str) -> None:
    assert inbound.typed_text(typed) == passed_on


@pytest.mark.parametrize(
    ("session_id", "valid"),
    [
        (secrets.token_hex(32), True),
        (secrets.token_hex(16), False),  # 32 hex digits: weaker than the widget's 64
        (secrets.token_hex(64), False),
        ("3f2a9c" + "0" * 58, False),  # long enough but hand-made
        (secrets.token_hex(31), False),
        (secrets.token_hex(33), False),
        (secrets.token_hex(32).upper(), False),
        ("g" * 64, False),
        (secrets.token_hex(32) + "-x", False),
        (None, False),
        (1234, False),
    ],
)
def test_only_long_random_hex_tokens_are_session_ids(session_id: Any, valid: bool) -> None:
    assert inbound.valid_session_id(session_id) is valid


def test_fresh_session_ids_are_valid_and_different() -> None:
    made = {inbound.new_session_id() for _ in range(50)}
    assert len(made) == 50 and all(inbound.valid_session_id(session_id) for session_id in made)
