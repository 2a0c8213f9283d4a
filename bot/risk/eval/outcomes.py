"""Run the rules and the scorer over labelled rows once, then count what Steady would do with each.

Shared by the threshold tuning (bot/risk/eval/tune.py), the report (bot/risk/eval/report.py) and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from bot.exercises import load_exercises
from bot.risk.dataset import Row
from bot.risk.decision import ASK, ESCALATE, Thresholds, decide, decide_in_exercise, imminent_answer
from bot.risk.detector import RiskDetector
from bot.risk.disclosure import affirms
from bot.risk.model import RiskAssessment
from bot.risk.scorer import RiskScorer
from bot.risk.severity import imminent_cue


@dataclass(frozen=True)
class Scored:
    row: Row
    assessment: RiskAssessment
    score: float | None
    imminent_words: bool = False


def score_rows(rows: list[Row], detector: RiskDetector, scorer: RiskScorer | None) -> list[Scored]:
    scores: list[float | None] = list(scorer.scores([row.text for row in rows])) if scorer else [None] * len(rows)
    return [Scored(row, detector.assess(row.text), score, imminent_cue(row.text.lower()))
            for row, score in zip(rows, scores, strict=True)]


@cache
def risk_question_steps() -> frozenset[str]:
    """"exercise/step" of every script step that itself asks about risk (`asks_about_risk: true`)."""
    return frozenset(f"{exercise.id}/{step.id}" for exercise in load_exercises().values()
                     for step in exercise.steps if step.asks_about_risk)


def outcome(item: Scored, thresholds: Thresholds) -> str:
    """escalate / ask / answer / none, in the row's context (an exercise step or none)."""
    decision = decide(item.assessment, item.score, thresholds, item.imminent_words)
    if item.row.exercise_step is not None:
        discloses = item.row.context in risk_question_steps() and affirms(item.row.text)
        return decide_in_exercise(decision, item.score, thresholds, discloses, imminent_answer(item.row.text))
    return decision


def rules_only(item: Scored, thresholds: Thresholds | None = None) -> str:
    """The baseline: the reviewed rules alone escalate; nothing asks."""
    return ESCALATE if item.assessment.is_risk else "none"


Decider = Callable[[Scored, Thresholds], str]


@dataclass(frozen=True)
class Rates:
    n: int
    escalated: int
    asked: int

    @property
    def either(self) -> int:
        return self.escalated + self.asked

    def rate(self, count: int) -> float:
        return count / self.n if self.n else 0.0


def rates(items: Iterable[Scored], thresholds: Thresholds, decider: Decider = outcome) -> Rates:
    decided = [decider(item, thresholds) for item in items]
    return Rates(len(decided), decided.count(ESCALATE), decided.count(ASK))


def detected(item: Scored, thresholds: Thresholds, decider: Decider = outcome) -> bool:
    return decider(item, thresholds) in (ESCALATE, ASK)
