"""Person-facing lines said outside the exercises and the crisis responses, kept as reviewed YAML in
bot/content/ (one file per place that says them) so that a clinician reads and edits them there:

channel_limits.yml  what the chat page, the widget and Rasa's REST channel say when they cannot take a message
telegram.yml        what the Telegram channel says itself (non-text messages, /forget, its command menu, pacers)
takeover.yml        what a person is told when a counselor joins, is still there, and leaves
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from bot.config import CONTENT_DIR


@cache
def lines(name: str) -> dict[str, Any]:
    """bot/content/<name>.yml: line names to lines (or to groups of lines)."""
    data = yaml.safe_load((CONTENT_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"bot/content/{name}.yml: expected a mapping at the top level")
    return data


def say(file: str, /, *path: str, **values: object) -> str:
    """One line of bot/content/<file>.yml, found by its key path, with its {placeholders} filled."""
    node: Any = lines(file)
    for key in path:
        node = node[key]
    if not isinstance(node, str):
        raise ValueError(f"bot/content/{file}.yml: {'.'.join(path)} is not a line")
    return node.format(**values) if values else node
