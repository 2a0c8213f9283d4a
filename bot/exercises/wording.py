"""The shared wording of every exercise (bot/content/common.yml) and the small text tools the engine uses
to say things: variations picked from a seed, placeholders filled, answers quoted back."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import CONTENT_DIR

REFLECT_CHARS = 80


class ContentError(ValueError):
    """A content file is missing something the engine needs."""


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class Common:
    raw: dict[str, Any]

    def lines(self, *path: str) -> tuple[str, ...]:
        node: Any = self.raw
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, str):
            return (node,)
        return tuple(node) if isinstance(node, list) else ()

    def words(self, name: str) -> frozenset[str]:
        return frozenset(normalise(word) for word in self.raw.get(name, []))


@cache
def load_common(content_dir: Path = CONTENT_DIR) -> Common:
    return Common(read_yaml(content_dir / "common.yml"))


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = re.sub(r"[^\w\s'/-]", " ", text)
    return " ".join(text.split())


def pick(options: tuple[str, ...] | list[str], seed: str) -> str:
    """A variation chosen from a seed: varied across runs, repeatable within one."""
    if not options:
        return ""
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def fill(template: str, **values: Any) -> str:
    """Fill {placeholders}; an unknown placeholder is left as it is rather than crashing."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        return str(values[key]) if key in values and values[key] is not None else match.group(0)

    return re.sub(r"\{(\w+)\}", replace, template)


def shorten(text: str, limit: int = REFLECT_CHARS) -> str:
    """At most `limit` characters, cut between words (never mid-word), with … when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def quote(text: str, limit: int = REFLECT_CHARS) -> str:
    """A person's words ready to sit inside one of our sentences: shortened between words, without
    the wrapping quotes or the closing punctuation the sentence brings itself."""
    text = " ".join(str(text).split()).strip("\"'“”‘’ ")
    return shorten(text, limit).rstrip(" .!?,;:") if len(text) > 1 else text


def tidy(text: str) -> str:
    """No doubled punctuation where a quoted answer meets our own: '..', '!.', '?.', ',.', ' .'."""
    text = re.sub(r"([.!?…])[.!]+", r"\1", text)
    text = re.sub(r",\s*([.!?])", r"\1", text)
    text = re.sub(r"\s+([.,!?])", r"\1", text)
    return text
