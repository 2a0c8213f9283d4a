"""Regression guard: the risk detector on tests/risk/eval_set.tsv, against thresholds.yml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.risk import CATEGORIES, RiskDetector
from bot.risk.eval.evaluate import (
    EVAL_SET,
    HOLDOUT_SET,
    Report,
    evaluate,
    example_is_right,
    load_eval_set,
    load_thresholds,
    threshold_failures,
)

RISK_NLU = Path(__file__).resolve().parents[2] / "data" / "nlu" / "risk.yml"
EXAMPLES = load_eval_set(EVAL_SET)
MUST = [example for example in EXAMPLES if example.must]


@pytest.fixture(scope="module")
def detector() -> RiskDetector:
    """The shipped configuration: curated rules + whatever lexicon constructs are enabled."""
    return RiskDetector()


@pytest.fixture(scope="module")
def report(detector: RiskDetector) -> Report:
    return evaluate(detector, EXAMPLES)


def simplified(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower().replace("’", "'")).strip()


def risk_training_examples() -> list[str]:
    data = yaml.safe_load(RISK_NLU.read_text(encoding="utf-8"))
    blocks = [item for item in data["nlu"] if item.get("intent") == "risk"]
    assert len(blocks) == 1
    return [line[2:].strip() for line in blocks[0]["examples"].splitlines() if line.startswith("- ")]


def test_eval_set_shape() -> None:
    positives = [example for example in EXAMPLES if example.positive]
    negatives = [example for example in EXAMPLES if not example.positive]
    assert len(EXAMPLES) >= 300
    assert len(negatives) >= len(EXAMPLES) / 2
    assert all(example.min_severity for example in positives)
    assert {category for example in positives for category in example.categories} == set(CATEGORIES)
    assert len({simplified(example.text) for example in EXAMPLES}) == len(EXAMPLES)


def test_risk_training_data_is_varied_and_disjoint_from_the_eval_sets() -> None:
    training = {simplified(text) for text in risk_training_examples()}
    assert len(training) >= 120
    evaluation = {simplified(example.text) for example in EXAMPLES + load_eval_set(HOLDOUT_SET)}
    assert not training & evaluation


def test_thresholds_are_met(report: Report) -> None:
    assert threshold_failures(report, load_thresholds()) == []


def test_recall_and_false_alarms_on_the_numbers(report: Report) -> None:
    limits = load_thresholds()["overall"]
    assert report.recall >= limits["recall_min"]
    assert report.false_alarm_rate <= limits["false_alarm_max"]


@pytest.mark.parametrize("example", MUST, ids=[example.text[:40] for example in MUST])
def test_every_must_row_is_right(detector: RiskDetector, example) -> None:
    assessment = detector.assess(example.text)
    assert example_is_right(example, assessment), (assessment.categories, assessment.severity,
                                                   assessment.guarded)


def test_threshold_check_reports_a_miss() -> None:
    weak = Report(positives=10, negatives=10, flagged_positives=5, flagged_negatives=3,
                  severity_ok=5, category_ok=5, per_category={})
    failures = threshold_failures(weak, load_thresholds())
    assert any(line.startswith("recall 0.500") for line in failures)
    assert any(line.startswith("false-alarm rate 0.300") for line in failures)
