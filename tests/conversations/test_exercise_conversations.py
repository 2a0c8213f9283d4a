"""The exercise conversation suite: every transcript in tests/conversations/exercises/ played through the
real actions and engine (no trained model). See tests/conversations/runner.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conversations.runner import all_transcripts, play

TRANSCRIPTS = all_transcripts()


@pytest.mark.parametrize("item", [item for _, item in TRANSCRIPTS], ids=[name for name, _ in TRANSCRIPTS])
def test_conversation(item: dict[str, Any], steady_env: Any) -> None:
    problems = play(item)
    assert not problems, "\n".join(problems)


def test_the_suite_covers_every_exercise_with_enough_conversations() -> None:
    from bot.exercises import load_exercises

    covered = {item["exercise"] for _, item in TRANSCRIPTS}
    assert covered >= set(load_exercises()), f"not covered: {set(load_exercises()) - covered}"
    assert len(TRANSCRIPTS) >= 60
