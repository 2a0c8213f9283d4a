"""`make eval-risk`: what Steady does with every labelled message, per split, before and after.

    python -m bot.risk.eval.report [--splits dev,test] [--misses 40]

For each split (train is in-sample: the scorer learnt it), the written and project rows first, then
(dev and test only) the construct-tracker forum sentences of that hash split, each group on its own:
  risk rows   recall of "escalated", "asked directly" and "either" (detected), overall, per
              category and per kind; the last column is the rules-only baseline (the reviewed
              rules escalate, nothing asks: the detector of main without DIET)
  safe rows   the rate of "asked or escalated" per kind; exercise answers on their own line
  misses      risk rows not detected and safe rows asked about, with their score
Decisions follow bot/risk/decision.py with the committed thresholds (bot/risk/thresholds.yml); a
row with an exercise context is decided as an answer to that step.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable

from bot.risk.dataset import IMMINENT_KINDS, SPLITS, Row, load_split
from bot.risk.decision import Thresholds
from bot.risk.detector import RiskDetector
from bot.risk.eval.outcomes import Scored, detected, outcome, rates, rules_only, score_rows
from bot.risk.forum_data import forum_rows
from bot.risk.scorer import RiskScorer, build_if_stale

TARGETS = {"recall": 0.97, "imminent_recall": 1.0, "hard_negative_alarms": 0.02, "exercise_alarms": 0.005}


def grouped(items: Iterable[Scored], key) -> dict[str, list[Scored]]:  # type: ignore[no-untyped-def]
    groups: dict[str, list[Scored]] = defaultdict(list)
    for item in items:
        groups[key(item.row)].append(item)
    return dict(sorted(groups.items()))


def risk_line(name: str, items: list[Scored], thresholds: Thresholds) -> str:
    after = rates(items, thresholds)
    before = rates(items, thresholds, rules_only)
    return (f"  {name:<34} {after.n:>5} {after.rate(after.escalated):>9.3f} {after.rate(after.asked):>6.3f} "
            f"{after.rate(after.either):>7.3f}   {before.rate(before.either):>7.3f}")


def safe_line(name: str, items: list[Scored], thresholds: Thresholds) -> str:
    after = rates(items, thresholds)
    before = rates(items, thresholds, rules_only)
    return (f"  {name:<34} {after.n:>5} {after.rate(after.escalated):>9.3f} {after.rate(after.asked):>6.3f} "
            f"{after.rate(after.either):>7.3f}   {before.rate(before.either):>7.3f}")


def table(title: str, items: list[Scored], thresholds: Thresholds, by_kind: bool = True) -> list[str]:
    risk = [item for item in items if item.row.is_risk]
    safe = [item for item in items if not item.row.is_risk]
    exercise = [item for item in safe if item.row.is_exercise_answer]
    lines = [f"== {title}: {len(items)} rows ({len(risk)} risk, {len(safe)} safe, {len(exercise)} exercise answers)"]
    if risk:
        lines.append(f"  {'risk: recall':<34} {'n':>5} {'escalated':>9} {'asked':>6} {'either':>7}   "
                     f"{'rules-only':>7}")
        lines.append(risk_line("all risk rows", risk, thresholds))
        for category, group in grouped(risk, lambda row: row.category).items():
            lines.append(risk_line(f"category {category}", group, thresholds))
        if by_kind:
            for kind, group in grouped(risk, lambda row: row.kind).items():
                mark = " (imminent)" if kind in IMMINENT_KINDS else ""
                lines.append(risk_line(f"kind {kind}{mark}", group, thresholds))
    if safe:
        lines.append(f"  {'safe: asked or escalated':<34} {'n':>5} {'escalated':>9} {'asked':>6} {'either':>7}   "
                     f"{'rules-only':>7}")
        lines.append(safe_line("all safe rows", safe, thresholds))
        lines.append(safe_line("safe rows outside exercises", [i for i in safe if not i.row.is_exercise_answer],
                               thresholds))
        lines.append(safe_line("exercise answers", exercise, thresholds))
        if by_kind:
            for kind, group in grouped(safe, lambda row: row.kind).items():
                lines.append(safe_line(f"kind {kind}", group, thresholds))
    return lines


def misses(items: list[Scored], thresholds: Thresholds, limit: int) -> list[str]:
    missed = [item for item in items if item.row.is_risk and not detected(item, thresholds)]
    alarms = [item for item in items if not item.row.is_risk and detected(item, thresholds)]
    lines = [f"  missed risk ({len(missed)}):"]
    lines += [f"    {miss_line(item, thresholds)}" for item in sorted(missed, key=score_key)[:limit]]
    lines.append(f"  false alarms ({len(alarms)}):")
    lines += [f"    {miss_line(item, thresholds)}" for item in sorted(alarms, key=score_key, reverse=True)[:limit]]
    return lines


def score_key(item: Scored) -> float:
    return item.score if item.score is not None else -1.0


def miss_line(item: Scored, thresholds: Thresholds) -> str:
    row = item.row
    label = row.category if row.is_risk else "safe"
    where = f" @{row.context}" if row.context != "-" else ""
    guarded = f" guarded={list(item.assessment.guarded)}" if item.assessment.guarded else ""
    score = f"{item.score:.2f}" if item.score is not None else "-"
    return (f"[{label}/{row.kind}{where}] {outcome(item, thresholds)} score {score}{guarded} "
            f"({row.source}): {row.text[:140]}")


def target_lines(items: list[Scored], thresholds: Thresholds) -> list[str]:
    risk = [item for item in items if item.row.is_risk]
    imminent = [item for item in risk if item.row.kind in IMMINENT_KINDS]
    hard = [item for item in items if not item.row.is_risk and not item.row.is_exercise_answer]
    exercise = [item for item in items if not item.row.is_risk and item.row.is_exercise_answer]
    figures = {
        "recall": share(risk, thresholds),
        "imminent_recall": share(imminent, thresholds),
        "hard_negative_alarms": share(hard, thresholds),
        "exercise_alarms": share(exercise, thresholds),
    }
    lines = []
    for name, value in figures.items():
        if value is None:
            lines.append(f"  {name}: no rows")
            continue
        limit = TARGETS[name]
        ok = value >= limit if name.endswith("recall") else value <= limit
        lines.append(f"  {name}: {value:.3f} (target {'>=' if name.endswith('recall') else '<='} {limit}) "
                     f"{'met' if ok else 'NOT MET'}")
    return lines


def share(items: list[Scored], thresholds: Thresholds) -> float | None:
    return sum(detected(item, thresholds) for item in items) / len(items) if items else None


def calibration(items: list[Scored]) -> list[str]:
    scored = [item for item in items if item.score is not None]
    if not scored:
        return []
    brier = sum((item.score - item.row.is_risk) ** 2 for item in scored) / len(scored)  # type: ignore[operator]
    lines = [f"  calibration: Brier {brier:.3f}; per score bin: mean score / share risk (n)"]
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        bin_items = [item for item in scored if low <= item.score < low + 0.2 or (low == 0.8 and item.score == 1)]  # type: ignore[operator]
        if bin_items:
            mean = sum(item.score for item in bin_items) / len(bin_items)  # type: ignore[misc]
            actual = sum(item.row.is_risk for item in bin_items) / len(bin_items)
            lines.append(f"    [{low:.1f}, {low + 0.2:.1f}): {mean:.2f} / {actual:.2f} ({len(bin_items)})")
    return lines


def forum_groups(split: str) -> dict[str, list[Row]]:
    try:
        rows = forum_rows(split)
    except (OSError, ValueError) as error:
        print(f"construct-tracker sentences unavailable: {error}")
        return {}
    return {group: [row for row in rows if row.source == group] for group in ("ct_talklife", "ct_veterans")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.eval.report")
    parser.add_argument("--splits", default=",".join(SPLITS))
    parser.add_argument("--misses", type=int, default=40, help="misses and false alarms listed per set")
    args = parser.parse_args(argv)
    build_if_stale()
    detector, scorer, thresholds = RiskDetector(), RiskScorer.load(), Thresholds.load()
    print(f"thresholds: {thresholds}; scorer trained on: {'; '.join(scorer.card.get('trained_on', []))}")
    for split in args.splits.split(","):
        note = " (IN-SAMPLE: the scorer was trained on these rows)" if split == "train" else ""
        items = score_rows(load_split(split), detector, scorer)
        print("\n".join(table(f"{split}: written and project rows{note}", items, thresholds)))
        if split != "train" and items:
            print("\n".join(calibration(items)))
            print("\n".join(target_lines(items, thresholds)))
            print("\n".join(misses(items, thresholds, args.misses)))
        if split == "train":
            continue  # the forum sentences of the train hash split: in-sample or long; not worth the minutes
        for group, rows in forum_groups(split).items():
            forum_items = score_rows(rows, detector, scorer)
            title = f"{split}: construct-tracker {group}"
            print("\n".join(table(title, forum_items, thresholds)))
            if split != "train":
                print("\n".join(misses(forum_items, thresholds, min(args.misses, 15))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
