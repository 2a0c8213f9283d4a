"""Curated risk rules: what counts as risk language, in which category, at which base severity.

Written for Steady, kept as data in bot/risk/rules.yml (rules, guards, and the regex contexts they
share by name); patterns use the language in bot/risk/patterns.py. Each rule states:

  subject    who the statement must be about. "none": the pattern itself is first person
             ("kill myself", "without me"). "self": the nearest subject before the match must
             be the person ("i", or no subject at all); another person -> third_party guard.
             "other": somebody else does it to the person ("my dad hits me").
             "self_or_child": the person, or a child ("the kid next door is being abused"), or
             anyone while a child is involved or it is happening now (guards.someone_else_at_risk).
             "other_to_other": somebody else (not a child) does it to a third person ("her dad
             hurts her"); it counts only when a child is involved or it is happening now.
  catch_all  a bare mention ("suicide"); suppressed as topic talk when the message is about
             a film, song, class, awareness campaign, ... and no subject says "i".
  hyperbole  prone to jokes ("i'm gonna kill my sister lol"): a laughing marker or "could"
             ("i could kill him") suppresses it, unless the message says it is no joke
             ("i'm not joking", "for real").
  absorbs    a longer rule that swallows shorter hits inside it ("they tell me to kill myself"
             is bullying, not the person's own ideation).
  requires / excludes   regexes on the normalised message that must / must not match.
  next_allowed / next_blocked   words that may / may not follow the match.
  not_after  lemmas that, among the 3 words before the match, cancel it ("want to kill
             myself tonight" is a wish with a time, not the time-bound intent of "kms tonight").
  behaviour  an act that happened (an attempt, an overdose): graded by how recent it is.
  accident   self-injury words that also describe accidents ("cut myself shaving").

Severity grading lives in bot/risk/severity.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.risk.model import CATEGORIES, SEVERITIES

RULES_FILE = Path(__file__).with_name("rules.yml")
_CONTEXT = re.compile(r"\{([A-Z_]+)\}")  # {NAME} in a regex: a context of rules.yml


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    patterns: tuple[str, ...]
    subject: str = "none"
    catch_all: bool = False
    hyperbole: bool = False
    absorbs: bool = False
    requires: str | None = None
    excludes: str | None = None
    next_allowed: tuple[str, ...] | None = None
    next_blocked: tuple[str, ...] = ()
    behaviour: bool = False
    accident: bool = False
    not_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guard:
    """A phrase that looks like risk but is not: it suppresses candidates it overlaps."""

    id: str
    kind: str
    patterns: tuple[str, ...]
    requires: str | None = None
    subject: str = "none"


WORD_LISTS = ("patterns", "next_allowed", "next_blocked", "not_after")
REGEXES = ("requires", "excludes")


def load(path: Path = RULES_FILE) -> tuple[tuple[Rule, ...], tuple[Guard, ...]]:
    """The rules and guards of a rules file. ValueError for an unknown category or severity, or a
    regex naming a context the file does not define; TypeError for an unknown field."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    contexts = _contexts(data)
    rules = tuple(Rule(**_fields(entry, contexts)) for entry in data["rules"])
    for rule in rules:
        if rule.category not in CATEGORIES or rule.severity not in SEVERITIES:
            raise ValueError(f"rule {rule.id}: unknown category or severity ({rule.category}, {rule.severity})")
    return rules, tuple(Guard(**_fields(entry, contexts)) for entry in data["guards"])


def load_contexts(path: Path = RULES_FILE) -> dict[str, str]:
    """The named regexes of a rules file (DECIDED, MEANS_EVERYDAY, DONATING, ...), for code that must
    read the same words as the rules (bot/risk/severity.py)."""
    return _contexts(yaml.safe_load(path.read_text(encoding="utf-8")))


def _contexts(data: dict[str, Any]) -> dict[str, str]:
    return {name: _regex(value, {}) for name, value in data["contexts"].items()}


def _fields(entry: dict[str, Any], contexts: dict[str, str]) -> dict[str, Any]:
    """A rule's or guard's fields from the file: word lists as tuples, regexes with contexts filled in."""
    fields = dict(entry)
    for name in WORD_LISTS:
        if fields.get(name) is not None:
            fields[name] = tuple(str(word) for word in fields[name])
    for name in REGEXES:
        if fields.get(name) is not None:
            fields[name] = _regex(fields[name], contexts)
    return fields


def _regex(value: str | list[str], contexts: dict[str, str]) -> str:
    """A regex written whole or as a list of alternatives, with every {NAME} context filled in."""
    regex = "|".join(value) if isinstance(value, list) else value

    def context(match: re.Match) -> str:
        if match.group(1) not in contexts:
            raise ValueError(f"unknown context {{{match.group(1)}}} in {regex!r}")
        return contexts[match.group(1)]

    return _CONTEXT.sub(context, regex)


RULES, GUARDS = load()
CONTEXTS = load_contexts()
