"""Evaluate the risk detector on tests/risk/eval_set.tsv against tests/risk/thresholds.yml.

    python -m bot.risk.eval.evaluate              # figures for the shipped configuration
    python -m bot.risk.eval.evaluate --ablation   # + the effect of each lexicon construct
    python -m bot.risk.eval.evaluate --errors     # + every misclassified message

tests/risk/holdout_set.tsv is reported too: harder messages written after tuning and never
tuned against. It shows how the rules generalise; no thresholds apply to it.

Definitions (a "positive" has expected categories; a "hard negative" has none):
  recall          positives flagged as risk / positives
  precision       flagged positives / all flagged messages
  false alarms    hard negatives flagged as risk / hard negatives
  severity ok     flagged positives whose severity >= the expected minimum / flagged positives
  category recall positives whose expected categories are all found / positives
Per category: TP = expected and found, FN = expected and not found, FP = found and not
expected; false-alarm rate = hard negatives given that category / hard negatives.
Exit code 1 when the shipped configuration misses a threshold or a `must` row is wrong.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import REPO_ROOT
from bot.risk.detector import RiskDetector
from bot.risk.lexicon import CONSTRUCTS
from bot.risk.lexicon_store import DEFAULT_LEXICON_PATH, load_lexicon
from bot.risk.model import CATEGORIES, RiskAssessment, severity_rank

EVAL_SET = REPO_ROOT / "tests" / "risk" / "eval_set.tsv"
HOLDOUT_SET = REPO_ROOT / "tests" / "risk" / "holdout_set.tsv"
THRESHOLDS = REPO_ROOT / "tests" / "risk" / "thresholds.yml"


@dataclass(frozen=True)
class Example:
    text: str
    categories: frozenset[str]
    min_severity: str | None
    must: bool
    kind: str

    @property
    def positive(self) -> bool:
        return bool(self.categories)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_alarms: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    positives: int = 0
    negatives: int = 0
    flagged_positives: int = 0
    flagged_negatives: int = 0
    severity_ok: int = 0
    category_ok: int = 0
    per_category: dict[str, Counts] = field(default_factory=dict)
    must_failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.flagged_positives / self.positives if self.positives else 1.0

    @property
    def precision(self) -> float:
        flagged = self.flagged_positives + self.flagged_negatives
        return self.flagged_positives / flagged if flagged else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.flagged_negatives / self.negatives if self.negatives else 0.0

    @property
    def severity_agreement(self) -> float:
        return self.severity_ok / self.flagged_positives if self.flagged_positives else 1.0

    @property
    def category_recall(self) -> float:
        return self.category_ok / self.positives if self.positives else 1.0


def load_eval_set(path: Path = EVAL_SET) -> list[Example]:
    """Rows of the TSV eval set (comment lines start with #)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    examples = []
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        categories = frozenset() if row["categories"] == "-" else frozenset(
            row["categories"].split(","))
        unknown = categories - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)} in row {row['text']!r}")
        severity = None if row["min_severity"] == "-" else row["min_severity"]
        examples.append(Example(row["text"], categories, severity, row["must"] == "must",
                                row["kind"]))
    return examples


def example_is_right(example: Example, assessment: RiskAssessment) -> bool:
    """Right = negative not flagged; positive flagged with its categories and severity."""
    if not example.positive:
        return not assessment.is_risk
    return (assessment.is_risk and example.categories <= set(assessment.categories)
            and severity_rank(assessment.severity) >= severity_rank(example.min_severity))


def evaluate(detector: RiskDetector, examples: list[Example]) -> Report:
    report = Report(per_category={category: Counts() for category in CATEGORIES})
    for example in examples:
        assessment = detector.assess(example.text)
        _count(report, example, assessment)
        if not example_is_right(example, assessment):
            line = (f"[{example.kind}] {example.text!r}: expected "
                    f"{sorted(example.categories) or 'no risk'}/{example.min_severity}, got "
                    f"{list(assessment.categories) or 'no risk'}/{assessment.severity} "
                    f"guarded={list(assessment.guarded)}")
            report.errors.append(line)
            if example.must:
                report.must_failures.append(line)
    return report


def _count(report: Report, example: Example, assessment: RiskAssessment) -> None:
    found = set(assessment.categories)
    if example.positive:
        report.positives += 1
        if assessment.is_risk:
            report.flagged_positives += 1
            if severity_rank(assessment.severity) >= severity_rank(example.min_severity):
                report.severity_ok += 1
        if example.categories <= found:
            report.category_ok += 1
    else:
        report.negatives += 1
        report.flagged_negatives += assessment.is_risk
    for category, counts in report.per_category.items():
        expected, got = category in example.categories, category in found
        counts.tp += expected and got
        counts.fn += expected and not got
        counts.fp += got and not expected
        counts.false_alarms += got and not example.positive


def load_thresholds(path: Path = THRESHOLDS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def threshold_failures(report: Report, thresholds: dict) -> list[str]:
    """Every threshold the report misses, as readable lines."""
    overall = thresholds["overall"]
    checks = [
        ("recall", report.recall, overall["recall_min"], ">="),
        ("precision", report.precision, overall["precision_min"], ">="),
        ("false-alarm rate", report.false_alarm_rate, overall["false_alarm_max"], "<="),
        ("severity agreement", report.severity_agreement, overall["severity_agreement_min"],
         ">="),
        ("category recall", report.category_recall, overall["category_recall_min"], ">="),
    ]
    per = thresholds["per_category"]
    for category, counts in report.per_category.items():
        checks.append((f"{category} recall", counts.recall, per["recall_min"], ">="))
        checks.append((f"{category} precision", counts.precision, per["precision_min"], ">="))
    failures = []
    for name, value, limit, op in checks:
        ok = value >= limit if op == ">=" else value <= limit
        if not ok:
            failures.append(f"{name} {value:.3f} (needs {op} {limit})")
    return failures


def format_report(title: str, report: Report) -> str:
    lines = [
        f"== {title}",
        f"messages: {report.positives} positives, {report.negatives} hard negatives",
        f"overall: recall {report.recall:.3f}  precision {report.precision:.3f}  "
        f"false alarms {report.false_alarm_rate:.3f} ({report.flagged_negatives}/"
        f"{report.negatives})  severity ok {report.severity_agreement:.3f}  "
        f"category recall {report.category_recall:.3f}",
        f"{'category':<18} {'precision':>9} {'recall':>7} {'false-alarm':>11}   tp  fp  fn",
    ]
    for category, counts in report.per_category.items():
        rate = counts.false_alarms / report.negatives if report.negatives else 0.0
        lines.append(f"{category:<18} {counts.precision:>9.3f} {counts.recall:>7.3f} "
                     f"{rate:>11.3f}  {counts.tp:>3} {counts.fp:>3} {counts.fn:>3}")
    lines.append(f"must rows wrong: {len(report.must_failures)}")
    return "\n".join(lines)


def ablation(sets: dict[str, list[Example]], constructs: list[str]) -> list[str]:
    """Curated rules + one lexicon construct at a time, on every set.

    A construct "helps" if it raises recall on some set and adds no false alarm on any.
    """
    base = {name: evaluate(RiskDetector(DEFAULT_LEXICON_PATH, constructs=[]), examples)
            for name, examples in sets.items()}
    header = "  ".join(f"{name + ' recall':>16} {'fa':>11}" for name in sets)
    lines = ["== lexicon ablation: curated rules + one construct (deltas against curated)",
             f"{'construct':<26} {header}  verdict"]
    for construct_id in constructs:
        detector = RiskDetector(DEFAULT_LEXICON_PATH, constructs=[construct_id])
        cells, gains, harms = [], False, False
        for name, examples in sets.items():
            report = evaluate(detector, examples)
            d_recall = report.recall - base[name].recall
            d_fa = report.false_alarm_rate - base[name].false_alarm_rate
            gains |= d_recall > 0
            harms |= d_fa > 0
            cells.append(f"{report.recall:>7.3f} ({d_recall:+.3f}) {report.false_alarm_rate:>5.3f} "
                         f"({d_fa:+.3f})")
        verdict = "helps" if gains and not harms else "does not help"
        lines.append(f"{construct_id:<26} {'  '.join(cells)}  {verdict}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.eval.evaluate")
    parser.add_argument("--ablation", action="store_true", help="effect of each lexicon construct")
    parser.add_argument("--errors", action="store_true", help="list misclassified messages")
    args = parser.parse_args(argv)
    examples = load_eval_set()
    holdout = load_eval_set(HOLDOUT_SET)
    thresholds = load_thresholds()
    curated_detector = RiskDetector(DEFAULT_LEXICON_PATH, constructs=[])
    curated = evaluate(curated_detector, examples)
    print(format_report("eval set: curated rules only", curated))
    shipped = curated
    shipped_detector = curated_detector
    if load_lexicon(DEFAULT_LEXICON_PATH):
        shipped_detector = RiskDetector(DEFAULT_LEXICON_PATH)
        shipped = evaluate(shipped_detector, examples)
        print(format_report("eval set: curated rules + enabled lexicon constructs (shipped)",
                            shipped))
    elif DEFAULT_LEXICON_PATH.is_file():
        print("lexicon built but no construct enabled: shipped = curated rules only")
    else:
        print(f"lexicon not built ({DEFAULT_LEXICON_PATH}): shipped = curated rules only")
    print(format_report("holdout set, the rules alone (it is in the dev split: the thresholds are tuned on it)",
                        evaluate(shipped_detector, holdout)))
    if args.ablation and DEFAULT_LEXICON_PATH.is_file():
        constructs = [construct_id for construct_id, _, _ in CONSTRUCTS.values()]
        print("\n".join(ablation({"eval": examples, "holdout": holdout}, constructs)))
    if args.errors:
        print("== misclassified (shipped configuration)")
        print("\n".join(shipped.errors) or "none")
    failures = threshold_failures(shipped, thresholds) + [
        f"must row wrong: {line}" for line in shipped.must_failures]
    if failures:
        print("FAILED thresholds (tests/risk/thresholds.yml):\n  " + "\n  ".join(failures))
        return 1
    print("all thresholds met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
