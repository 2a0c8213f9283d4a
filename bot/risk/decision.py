"""What Steady does with a message, from the reviewed rules, the scorer's probability and the context.

    rules fire (assessment.is_risk)                      -> escalate
    score >= escalate threshold, nothing guarded         -> escalate
    score >= ask threshold                               -> ask directly ("are you thinking about suicide?")
    score >= imminent_ask and the words carry an imminent cue (means at hand, something taken or
      done, a date or "tonight", a goodbye: bot/risk/severity.py imminent_cue)  -> ask directly
      but a guard suppressed something (negation, idiom, third party, history): only a score
      >= the escalate threshold asks, and nothing escalates on the score alone
    otherwise                                            -> none

While the message answers an exercise step (the dialogue knows; see actions/risk_context.py), an
"ask" becomes "answer" (the message is the person's answer and the exercise goes on) unless the
score reaches the exercise threshold: an exercise answer interrupts only when the rules fire or
the score is very high. Words with an imminent cue (means at hand, something taken, a goodbye; not a
date, which answers name all the time: "the winter after my dad left") keep their own, lower exercise
threshold (exercise_imminent_ask). A yes-type answer to a step that itself asks about risk
(`asks_about_risk` in the script, e.g. seek_help's not_alive) escalates whatever the words
(bot/risk/disclosure.py).

Thresholds live in bot/risk/thresholds.yml, chosen on the dev split by `python -m bot.risk.eval.tune`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.risk.model import RiskAssessment
from bot.risk.severity import imminent_cue

THRESHOLDS_PATH = Path(__file__).with_name("thresholds.yml")
ESCALATE, ASK, ANSWER, NONE = "escalate", "ask", "answer", "none"


@dataclass(frozen=True)
class Thresholds:
    ask: float
    escalate: float
    exercise_ask: float
    imminent_ask: float = 1.0  # the ask threshold when the words carry an imminent cue
    exercise_imminent_ask: float = 1.0  # the exercise threshold when the words carry an imminent cue

    @classmethod
    def load(cls, path: Path = THRESHOLDS_PATH) -> Thresholds:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(float(data["ask"]), float(data["escalate"]), float(data["exercise_ask"]),
                   float(data.get("imminent_ask", data["ask"])),
                   float(data.get("exercise_imminent_ask", data["exercise_ask"])))


def decide(assessment: RiskAssessment, score: float | None, thresholds: Thresholds,
           imminent_words: bool = False) -> str:
    """escalate / ask / none for a message on its own (score None: the scorer is unavailable).
    imminent_words: the message carries an imminent cue (bot.risk.severity.imminent_cue)."""
    if assessment.is_risk:
        return ESCALATE
    if score is None:
        return NONE
    if assessment.was_guarded:
        return ASK if score >= thresholds.escalate else NONE
    if score >= thresholds.escalate:
        return ESCALATE
    ask = min(thresholds.ask, thresholds.imminent_ask) if imminent_words else thresholds.ask
    return ASK if score >= ask else NONE


def decide_in_exercise(decision: str, score: float | None, thresholds: Thresholds, discloses: bool = False,
                       imminent_words: bool = False) -> str:
    """An "ask" on an exercise answer: ask only when the score is very high, else take the answer.
    discloses: the step itself asks about risk and the answer is a yes (bot/risk/disclosure.py): escalate.
    imminent_words: the answer carries an imminent cue; it is asked about from exercise_imminent_ask."""
    if discloses:
        return ESCALATE
    if decision != ASK:
        return decision
    threshold = min(thresholds.exercise_ask, thresholds.exercise_imminent_ask) if imminent_words \
        else thresholds.exercise_ask
    return ASK if score is not None and score >= threshold else ANSWER


def imminent_answer(text: str) -> bool:
    """An exercise answer carries an imminent cue other than a date: means at hand, something taken or
    done, a goodbye. Answers name times all the time ("the winter after my dad left", "thursday after
    my shift"), so a date does not lower the exercise threshold."""
    return imminent_cue(text.lower(), dated=False)
