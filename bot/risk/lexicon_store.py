"""Loading the built Suicide Risk Lexicon file (the build step is bot/risk/lexicon.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LEXICON_PATH = REPO_ROOT / "var" / "build" / "srl_lexicon.json"


@dataclass(frozen=True)
class LexiconEntry:
    construct: str
    category: str
    severity: str
    phrases: tuple[str, ...]


def load_lexicon(path: Path, constructs: Iterable[str] | None = None) -> list[LexiconEntry]:
    """Entries of a built lexicon file; [] when the file is missing or unreadable.

    constructs: which construct ids to use; None = those the build marked "enabled".
    """
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        wanted = set(constructs) if constructs is not None else None
        entries = []
        for construct_id, item in data["constructs"].items():
            use = item["enabled"] if wanted is None else construct_id in wanted
            if use:
                entries.append(LexiconEntry(construct_id, item["category"], item["severity"],
                                            tuple(item["phrases"])))
        return entries
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("risk lexicon at %s is unreadable (%s); using curated rules only",
                       path, error)
        return []
