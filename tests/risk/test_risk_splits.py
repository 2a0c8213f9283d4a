"""The committed test split, at the committed thresholds, against the issue's targets (issue 12).

Reads bot/risk/corpus/splits/test.tsv, so it fails until the independent test writer's files are in
bot/risk/corpus/written/ and `python -m bot.risk.splits` has been run; the figures themselves are
printed by `make eval-risk`. Thresholds are never tuned on this split (bot/risk/tune.py uses dev).
"""

from __future__ import annotations

import pytest

from bot.risk.dataset import IMMINENT_KINDS, load_split
from bot.risk.decision import Thresholds
from bot.risk.detector import RiskDetector
from bot.risk.outcomes import Scored, detected, score_rows
from bot.risk.report import TARGETS
from bot.risk.scorer import RiskScorer, build_if_stale


@pytest.fixture(scope="module")
def scored() -> list[Scored]:
    build_if_stale()
    return score_rows(load_split("test"), RiskDetector(), RiskScorer.load())


def share(items: list[Scored]) -> float:
    thresholds = Thresholds.load()
    return sum(detected(item, thresholds) for item in items) / len(items)


def test_the_test_split_is_as_large_as_the_issue_asks(scored: list[Scored]) -> None:
    risk = [item for item in scored if item.row.is_risk]
    safe = [item for item in scored if not item.row.is_risk]
    exercise = [item for item in safe if item.row.is_exercise_answer]
    sizes = f"{len(scored)} rows, {len(risk)} risk, {len(safe)} safe, {len(exercise)} exercise answers"
    assert len(scored) >= 1000 and len(risk) >= 400 and len(safe) >= 600 and len(exercise) >= 200, sizes


def test_risk_is_detected(scored: list[Scored]) -> None:
    risk = [item for item in scored if item.row.is_risk]
    imminent = [item for item in risk if item.row.kind in IMMINENT_KINDS]
    assert risk and imminent
    assert share(risk) >= TARGETS["recall"]
    assert share(imminent) >= TARGETS["imminent_recall"]


def test_hard_negatives_and_exercise_answers_are_rarely_asked_about(scored: list[Scored]) -> None:
    hard = [item for item in scored if not item.row.is_risk and not item.row.is_exercise_answer]
    exercise = [item for item in scored if not item.row.is_risk and item.row.is_exercise_answer]
    assert hard and exercise
    assert share(hard) <= TARGETS["hard_negative_alarms"]
    assert share(exercise) <= TARGETS["exercise_alarms"]
