"""Rasa NLU component that prepares a message for the crisis replies the Rasa server sends itself.

config.yml, after the risk detector and before FallbackClassifier:

    - name: bot.crisis_router.CrisisRouter

* Only a country ("argentina", "im in ireland actually"): the intent becomes "inform_country", so
  the rules note it whatever the classifier guessed (a country typed during the screener is not an answer).
* Danger right now: when the detector graded the message imminent, the intent "risk" becomes
  "risk_imminent", so the rules answer with the imminent message first (no questionnaire).
* Where the person is: the channel's guess from a browser or app language (metadata
  "country_guess") becomes the entity `country_guess` when the helplines file lists that country;
  a country the person names that the file does not list adds `country_listed: unlisted`. The slots of
  the same names choose the variation of every crisis reply (bot/crisis.py).

No state and no training: the same message always gets the same result.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import listed_countries
from bot.nlu_component import PerMessageComponent
from bot.risk.model import RISK_KEY, RiskAssessment

RISK_INTENT, IMMINENT_INTENT, COUNTRY_INTENT = "risk", "risk_imminent", "inform_country"


def is_imminent(message: Message) -> bool:
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    return intent == RISK_INTENT and RiskAssessment.from_dict(message.get(RISK_KEY)).severity == "imminent"


def guessed_country(metadata: Any, listed: set[str]) -> str | None:
    guess = metadata.get("country_guess") if isinstance(metadata, dict) else None
    guess = str(guess).upper() if guess else None
    return guess if guess in listed else None


def said_country(message: Message) -> str | None:
    if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != COUNTRY_INTENT:
        return None
    return next((str(e.get("value")) for e in message.get(ENTITIES) or [] if e.get("entity") == "country"), None)


# Words around a country name that still make the message only a country ("im in ireland actually",
# "no i'm in austria" to "Showing services in Germany. Somewhere else?"). Never "not": "not in austria".
COUNTRY_FILLER = re.compile(
    r"\b(i'?m|i am|i live|living|based|from|in|the|actually|now|currently|atm|rn|ya|yeah|no|nope|nah|sorry|oh|wait)\b"
)


def only_a_country(message: Message) -> bool:
    """The message names a country and says nothing else ("argentina", "im in ireland actually")."""
    text = str(message.get(TEXT) or "").lower()
    spans = [(e["start"], e["end"]) for e in message.get(ENTITIES) or [] if e.get("entity") == "country" and "end" in e]
    if not spans:
        return False
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return not re.sub(r"[\W_]+", " ", COUNTRY_FILLER.sub(" ", text)).strip()


def _entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 0, "extractor": "CrisisRouter"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisRouter(PerMessageComponent):
    """See the module docstring."""

    def __init__(self, listed: set[str]) -> None:
        self.listed = listed

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CrisisRouter:
        return cls(listed_countries())

    def process_message(self, message: Message) -> None:
        if is_imminent(message):
            imminent = {INTENT_NAME_KEY: IMMINENT_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = message.get(INTENT_RANKING_KEY) or []
            ranking = [item for item in ranking if item.get(INTENT_NAME_KEY) != RISK_INTENT]
            message.set(INTENT, imminent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [imminent, *ranking], add_to_output=True)
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent not in (RISK_INTENT, IMMINENT_INTENT) and only_a_country(message):
            country = {INTENT_NAME_KEY: COUNTRY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, country, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            ranking = [item for item in ranking if item.get(INTENT_NAME_KEY) != COUNTRY_INTENT]
            message.set(INTENT_RANKING_KEY, [country, *ranking], add_to_output=True)  # once: no ambiguity
        added = []
        guess = guessed_country(message.get("metadata"), self.listed)
        if guess:
            added.append(_entity("country_guess", guess))
        said = said_country(message)
        if said:
            added.append(_entity("country_listed", "listed" if said.upper() in self.listed else "unlisted"))
        if added:
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *added], add_to_output=True)
