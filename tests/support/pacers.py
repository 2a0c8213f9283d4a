"""A breathing pacer payload for the Telegram tests: box breathing, spelled out so frames can be checked by eye."""

from __future__ import annotations

from bot.payloads import Custom, breathing_pacer

BOX_LABEL = "Box breathing (4-4-4-4)"
BOX_PHASES = [
    {"phase": "in", "say": "Breathe in", "seconds": 4},
    {"phase": "hold", "say": "Hold", "seconds": 4},
    {"phase": "out", "say": "Breathe out", "seconds": 4},
    {"phase": "hold", "say": "Hold", "seconds": 4},
]


def box_pacer(rounds: int) -> Custom:
    """The payload the breathing exercise sends for `rounds` rounds of box breathing."""
    fallback = f"{BOX_LABEL}, {rounds} rounds: breathe in for 4, hold for 4. Then start again."
    return breathing_pacer("box", BOX_LABEL, rounds, BOX_PHASES, fallback)
