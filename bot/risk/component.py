"""Rasa 3.6 NLU component that decides, on every user message, whether it is risk language.

config.yml (after DIETClassifier, before FallbackClassifier):

    - name: bot.risk.component.RiskDetectorComponent
      # lexicon_path: var/build/srl_lexicon.json   (optional; this is the default)
      # scorer_path: var/build/risk_scorer.json     (optional; this is the default)

For every message it puts RiskAssessment.to_dict() on the message under "risk" (so it is in
the tracker as latest_message["risk"], with the scorer's probability under "score") and decides
the intent with bot/risk/decision.py: the reviewed rules and the risk scorer (bot/risk/scorer.py),
never DIET's `risk` intent on its own:

* escalate (rules fire, or the score is above the escalate threshold) -> intent "risk"
  (confidence 1.0), first in intent_ranking, every other intent at 0.0. A score-only escalation
  adds a hit with rule "model:scorer", category "unspecified", spanning the whole text.
* ask (score above the ask threshold, or above the lower imminent_ask threshold when the words
  carry an imminent cue: means at hand, something taken or done, a date, a goodbye) -> intent
  "risk_check" (confidence 1.0, others at 0.0) and a "model:scorer" hit. The dialogue asks the
  person directly, with crisis resources in the same message, and escalates if they say yes;
  during an exercise it first weighs the score against the exercise threshold
  (actions/risk_context.py).
* none, and DIET said "risk": demote. The intent becomes the best non-risk intent of DIET's
  ranking; the non-risk confidences are renormalised to sum to 1 (so FallbackClassifier judges
  them as if risk had not been an option) and "risk" moves to the end of the ranking with its
  original confidence. "I'm not suicidal, just stressed" must not escalate.
* none otherwise -> intent untouched.

Severity of a "model:scorer" hit is graded from the words (bot/risk/severity.py).

When the scorer cannot be loaded (no artifact and no way to build one), the component logs an
error and falls back to the earlier behaviour: DIET's `risk` on three words or more asks directly.

Text starting with "/" (Rasa's typed-intent syntax, e.g. '/deny{"x": 1} i want to die') is
still assessed: the "/intent" and "@confidence" prefix is blanked, the rest is assessed, so
hit offsets still point into the original text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_component import PerMessageComponent
from bot.risk.decision import ASK, ESCALATE, Thresholds, decide
from bot.risk.detector import RiskDetector
from bot.risk.lexicon_store import REPO_ROOT
from bot.risk.model import MODEL_CATEGORY, MODEL_RULE, MODEL_SEVERITY, RISK_KEY, SCORER_RULE, RiskAssessment, RiskHit
from bot.risk.scorer import DEFAULT_SCORER_PATH, RiskScorer, build_if_stale
from bot.risk.severity import grade_words, imminent_cue

logger = logging.getLogger(__name__)

REVIEW_RULE = "detector_error:review"
_UNREADABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TYPED_INTENT = re.compile(r"^(\s*/[^\s{@]*(?:@[0-9.]+)?)")


def text_to_assess(text: str) -> str:
    """The text with a leading typed-intent prefix ("/intent@0.9") blanked out, same length."""
    match = _TYPED_INTENT.match(text)
    if not match:
        return text
    return " " * len(match.group(1)) + text[match.end(1) :]


MODEL_MIN_WORDS = 3


def too_short_for_the_model(text: str) -> bool:
    """One or two words carry too little for the model alone to suspect risk (the rules still
    catch short risk phrases such as "kms" or "want to die")."""
    return len(re.findall(r"[^\W\d_]+", text_to_assess(text))) < MODEL_MIN_WORDS


def with_model_hit(assessment: RiskAssessment, text: str, rule: str = MODEL_RULE) -> RiskAssessment:
    """The assessment plus a hit saying only a model (DIET, or the risk scorer) saw risk here."""
    severity = grade_words(text_to_assess(text)) if rule == SCORER_RULE else MODEL_SEVERITY
    hit = RiskHit(MODEL_CATEGORY, severity, 0, len(text), text, rule)
    return RiskAssessment(assessment.hits + (hit,), assessment.guarded, assessment.lexicon, assessment.score)


def load_scorer(path: Path) -> RiskScorer | None:
    """The risk scorer, built first if missing or stale; None (logged) if that is impossible."""
    try:
        if path == DEFAULT_SCORER_PATH:
            build_if_stale(path)
        return RiskScorer.load(path)
    except Exception:  # noqa: BLE001 - whatever goes wrong, the rules must still load and run
        logger.exception("risk scorer unavailable at %s: only the rules (and DIET's risk intent) decide", path)
        return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RiskDetectorComponent(PerMessageComponent):
    """Overrides the intent with "risk" when the risk detector fires (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"lexicon_path": None, "scorer_path": None, "risk_intent": "risk", "check_intent": "risk_check"}

    def __init__(self, config: dict[str, Any], detector: RiskDetector, scorer: RiskScorer | None = None,
                 thresholds: Thresholds | None = None) -> None:
        self.risk_intent = config.get("risk_intent") or "risk"
        self.check_intent = config.get("check_intent") or "risk_check"
        self.detector = detector
        self.scorer = scorer
        self.thresholds = thresholds or Thresholds.load()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RiskDetectorComponent:
        path = config.get("lexicon_path")
        lexicon_path = (REPO_ROOT / path) if path else None
        scorer_path = REPO_ROOT / config["scorer_path"] if config.get("scorer_path") else DEFAULT_SCORER_PATH
        return cls(config, RiskDetector(lexicon_path), load_scorer(scorer_path))

    def process_message(self, message: Message) -> None:
        if self.scorer is None:
            self._process_without_scorer(message)
            return
        text = message.get(TEXT) or ""
        assessment = self.assess_safely(text)
        assessed = text_to_assess(_UNREADABLE.sub(" ", text))
        assessment = replace(assessment, score=self.scorer.score(assessed) if assessed.strip() else 0.0)
        decision = decide(assessment, assessment.score, self.thresholds, imminent_cue(assessed.lower()))
        if decision == ESCALATE:
            if not assessment.is_risk:
                assessment = with_model_hit(assessment, text, SCORER_RULE)
            self._set_risk_intent(message)
        elif decision == ASK:
            assessment = with_model_hit(assessment, text, SCORER_RULE)
            self._set_risk_intent(message, self.check_intent)
        elif (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.risk_intent:
            self._demote_risk_intent(message)  # DIET's risk intent no longer decides on its own
        message.set(RISK_KEY, assessment.to_dict(), add_to_output=True)

    def _process_without_scorer(self, message: Message) -> None:
        """The behaviour before the scorer: DIET's risk intent asks directly on three words or more."""
        text = message.get(TEXT) or ""
        assessment = self.assess_safely(text)
        top = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if assessment.is_risk:
            self._set_risk_intent(message)
        elif top == self.risk_intent and assessment.was_guarded:
            self._demote_risk_intent(message)
            logger.debug("risk intent from the model demoted: %s", assessment.guarded)
        elif top == self.risk_intent and not too_short_for_the_model(text):
            assessment = with_model_hit(assessment, text)
            self._set_check_intent(message)
        elif top == self.risk_intent:
            self._demote_risk_intent(message)  # e.g. "my sleeve": the model guesses on one or two words
        message.set(RISK_KEY, assessment.to_dict(), add_to_output=True)

    def assess_safely(self, text: str) -> RiskAssessment:
        """Never fails the NLU graph. If the detector raises, it is tried again on the text with
        unreadable characters (lone surrogates) blanked, same length; if that fails too, the
        message counts as risk with a hit flagged for review (rule REVIEW_RULE), so a counselor sees it."""
        try:
            return self.detector.assess(text_to_assess(text))
        except Exception as error:  # noqa: BLE001 - fail safe, never drop a message
            logger.error("risk detector failed (%s); retrying on sanitised text", type(error).__name__)
        try:
            return self.detector.assess(text_to_assess(_UNREADABLE.sub(" ", text)))
        except Exception as error:  # noqa: BLE001
            logger.error("risk detector failed again (%s); message flagged for review", type(error).__name__)
        return RiskAssessment((RiskHit(MODEL_CATEGORY, MODEL_SEVERITY, 0, len(text), text, REVIEW_RULE),))

    def _set_risk_intent(self, message: Message, intent: str | None = None) -> None:
        """The decision is made: risk (or risk_check) at 1.0, every other intent at 0.0 (order
        kept). Leaving the model's confidences would let FallbackClassifier call "risk 1.0 vs mood
        0.99" ambiguous and turn a disclosure into nlu_fallback."""
        risk = {INTENT_NAME_KEY: intent or self.risk_intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            {**item, PREDICTED_CONFIDENCE_KEY: 0.0}
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) not in (self.risk_intent, self.check_intent)
        ]
        message.set(INTENT, risk, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [risk, *ranking], add_to_output=True)

    def _set_check_intent(self, message: Message) -> None:
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        check = {INTENT_NAME_KEY: self.check_intent, PREDICTED_CONFIDENCE_KEY: confidence}
        ranking = [
            item for item in message.get(INTENT_RANKING_KEY) or [] if item.get(INTENT_NAME_KEY) != self.risk_intent
        ]
        message.set(INTENT, check, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [check, *ranking], add_to_output=True)

    def _demote_risk_intent(self, message: Message) -> None:
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        risks = [item for item in ranking if item.get(INTENT_NAME_KEY) == self.risk_intent]
        others = renormalised([item for item in ranking if item.get(INTENT_NAME_KEY) != self.risk_intent])
        intent = dict(others[0]) if others else {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, others + risks, add_to_output=True)


def renormalised(ranking: list[dict]) -> list[dict]:
    """Ranking entries with confidences scaled to sum to 1 (order kept)."""
    total = sum(item.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for item in ranking)
    if total <= 0:
        return [dict(item) for item in ranking]
    return [{**item, PREDICTED_CONFIDENCE_KEY: (item.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / total} for item in ranking]
