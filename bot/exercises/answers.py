"""Reading what a person typed as the answer a step asked for: numbers, options, list items."""

from __future__ import annotations

import re

from bot.exercises.scripts import Step
from bot.exercises.wording import normalise

OPTION_ALIASES = {"yes": {"yeah", "yep", "yea", "ya", "y", "yes i have", "i have"},
                  "no": {"nah", "nope", "n", "not really", "no i haven't"}}  # fmt: skip
NUMBER_WORDS = {
    "zero": 0,
    "none": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


def parse_number(text: str, low: int, high: int) -> int | None:
    """Read a whole number in [low, high] from answers like '7', '7/10', 'about six', '80%'."""
    cleaned = normalise(text)
    digits = re.findall(r"\d+(?:\.\d+)?", cleaned)
    if digits:
        value = round(float(digits[0]))
    else:
        words = [NUMBER_WORDS[word] for word in cleaned.split() if word in NUMBER_WORDS]
        if not words:
            return None
        value = words[0]
    return value if low <= value <= high else None


def split_items(text: str) -> list[str]:
    parts = re.split(r"\n|;|,|\s+/\s+", text)
    items = [re.sub(r"^\s*(?:\d+[.)]|[-•*])\s*", "", part).strip() for part in parts]
    return [item for item in items if item]


def match_options(step: Step, text: str) -> str | list[str] | None:
    wanted = [normalise(part) for part in re.split(r",|\band\b|;", text)] if step.multiple else [normalise(text)]
    picked = [value for part in wanted if (value := match_option(step, part))]
    if not picked:
        return None
    return list(dict.fromkeys(picked)) if step.multiple else picked[0]


def match_option(step: Step, said: str) -> str | None:
    if not said:
        return None
    for index, option in enumerate(step.options, start=1):
        names = {normalise(option["value"]), normalise(option["label"]), str(index)}
        names |= OPTION_ALIASES.get(option["value"], set())
        if said in names:
            return option["value"]
    for option in step.options:
        label = normalise(option["label"])
        if len(said) >= 3 and (said in label or label in said):
            return option["value"]
    return None


def match_own_item(items: list[str], text: str) -> str | None:
    said = normalise(text)
    number = parse_number(said, 1, len(items)) if items else None
    if number is not None and said.isdigit():
        return items[number - 1]
    for item in items:
        if said and (said in normalise(item) or normalise(item) in said):
            return item
    return None
