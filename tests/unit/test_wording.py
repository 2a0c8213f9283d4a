"""The person-facing lines in bot/content/ that bot/wording.py reads: every line is there, uses only
the placeholders the code fills, and a takeover always tells the person who they are talking with."""

from __future__ import annotations

from collections.abc import Iterator
from string import Formatter
from typing import Any

import pytest

from bot import wording

# The placeholders the code fills in each file.
PLACEHOLDERS = {
    "channel_limits": {"limit", "length"},
    "telegram": {"round", "rounds", "number", "total"},
    "takeover": {"name"},
}


def leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    else:
        yield path, node


@pytest.mark.parametrize("file", sorted(PLACEHOLDERS))
def test_every_line_is_words_with_only_the_placeholders_the_code_fills(file: str) -> None:
    for path, line in leaves(wording.lines(file)):
        assert isinstance(line, str) and line.strip(), f"{file}.yml: {'.'.join(path)} is empty"
        used = {field for _, field, _, _ in Formatter().parse(line) if field is not None}
        assert used <= PLACEHOLDERS[file], f"{file}.yml: {'.'.join(path)} uses {used - PLACEHOLDERS[file]}"


@pytest.mark.parametrize("name", ["Alice", None])
def test_a_takeover_always_says_whether_a_person_or_the_assistant_is_talking(name: str | None) -> None:
    from bot.console.takeover import told

    for moment in ("joined", "still_here"):
        assert "counselor" in told(moment, name) and "automated assistant" in told(moment, name)
    assert "automated assistant" in told("left", name) and "emergency service" in told("left", name)
    if name:
        assert all(name in told(moment, name) for moment in ("joined", "still_here", "left"))


def test_a_missing_line_is_named() -> None:
    with pytest.raises(KeyError):
        wording.say("telegram", "no_such_line")
    with pytest.raises(ValueError, match="forget"):
        wording.say("telegram", "forget")
