"""Choose the scorer's thresholds on the dev split only, and write bot/risk/thresholds.yml.

    python -m bot.risk.eval.tune            # prints the choice and writes the file
    python -m bot.risk.eval.tune --dry-run  # prints only

Dev = bot/risk/corpus/splits/dev.tsv plus the construct-tracker short forum sentences of the dev
hash split (ct_talklife; the long veterans' comments are reported, not tuned on). With the rules
in place, each threshold is the lowest score (most recall) that keeps a budget for the false alarms
the score adds to those of the rules:
  ask           "ask or escalate" on chat-style safe rows outside exercises   <= ASK_BUDGET
  escalate      escalation on safe rows, the forum sentences included         <= ESCALATE_BUDGET
  imminent_ask  the extra alarms on safe rows outside exercises when messages with an imminent cue
                are asked about from this lower score                 <= IMMINENT_BUDGET
  exercise_ask  "ask or escalate" on exercise answers               <= EXERCISE_BUDGET
                (no exercise answers in dev: exercise_ask = escalate, i.e. never ask in an exercise
                on the score alone)
  exercise_imminent_ask  the same on exercise answers when answers with an imminent cue are asked
                about from this lower score (not below imminent_ask): the budget is shared, the
                exercise answers' alarms in all stay <= EXERCISE_BUDGET
The exercise budget sits under the issue's 0.5 % target; the ask budget is above its 2 % (below), and
the rules add their own alarms on top. "Chat-style" rows are the written and project rows: the issue's targets are
set on chat messages, and the forum's negated rewrites (ct_talklife positive_examples_negated) are
made-up negations with labels a reader disputes ("I didn't see a way out except to finish it myself."
is labelled safe), so they bound escalation but not the direct question. Measured on dev (2026-12-02,
8,180 train rows): ask budget 3 % on all rows (the round-2 method) recall 0.90, alarms on chat-style hard
negatives 3.7 %; 2 % on chat-style rows: recall 0.95, alarms 4.3 %; 1.5 %: 0.93 / 3.7 %; 3 %: 0.95 / 5.3 %.
With a fourth dev writer (w-dev-04, 257 rows, 2026-12-02; more third-party worry, idioms, negations) a
2 % budget raised ask to 0.879 (dev recall 0.926 -> 0.885, imminent 0.88 -> 0.86, everyday alarms 7.2 % ->
6.5 %); 2.5 %: 0.849 (0.896); 3 %: 0.765 (0.926, alarms 7.5 %). 3 % is kept: a missed disclosure costs more
than one more direct question. Read the trade-off in `make eval-risk` before changing it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date

import yaml

from bot.risk.dataset import IMMINENT_KINDS, Row, load_split
from bot.risk.decision import THRESHOLDS_PATH, Thresholds
from bot.risk.detector import RiskDetector
from bot.risk.eval.outcomes import Scored, detected, rates, score_rows
from bot.risk.forum_data import forum_rows
from bot.risk.scorer import RiskScorer, build_if_stale

ASK_BUDGET = 0.03  # recall first: see the module docstring (the issue's target is 2 % with the rules' alarms)
ESCALATE_BUDGET = 0.002
EXERCISE_BUDGET = 0.003
IMMINENT_BUDGET = 0.02  # the imminent kinds must all be caught (issue 12): a larger budget for them
FLOOR = 0.05  # never ask below this probability, whatever dev says


FORUM_SOURCE = "ct_talklife"


def dev_rows() -> list[Row]:
    return load_split("dev") + [row for row in forum_rows("dev") if row.source == FORUM_SOURCE]


def chat_style(items: list[Scored]) -> list[Scored]:
    """The written and project rows (not the forum sentences)."""
    return [item for item in items if item.row.source != FORUM_SOURCE]


def false_alarm_rate(items: list[Scored], thresholds: Thresholds) -> float:
    safe = [item for item in items if not item.row.is_risk]
    return sum(detected(item, thresholds) for item in safe) / len(safe) if safe else 0.0


def lowest_within(candidates: list[float], budget: float, measure) -> float:  # type: ignore[no-untyped-def]
    """The lowest candidate whose measure is within budget (candidates ascending; the last is safe)."""
    for value in candidates:
        if measure(value) <= budget:
            return value
    return candidates[-1]


def choose(items: list[Scored]) -> Thresholds:
    scores = sorted({round(item.score, 3) for item in items if item.score is not None} | {1.0})
    candidates = [value for value in scores if value >= FLOOR] or [1.0]
    unflagged = [item for item in items if not item.assessment.is_risk]  # the score's own alarms only
    safe = [item for item in unflagged if not item.row.is_exercise_answer and not item.row.is_risk]
    everyday = [item for item in chat_style(unflagged) if not item.row.is_exercise_answer]
    exercise = [item for item in unflagged if item.row.is_exercise_answer]

    def escalations(value: float) -> float:
        counted = rates(safe, Thresholds(value, value, value))
        return counted.rate(counted.escalated)

    escalate = lowest_within(candidates, ESCALATE_BUDGET, escalations)
    ask = lowest_within([v for v in candidates if v <= escalate], ASK_BUDGET,
                        lambda value: false_alarm_rate(everyday, Thresholds(value, escalate, escalate)))
    at_ask = false_alarm_rate(everyday, Thresholds(ask, escalate, escalate))
    imminent_ask = lowest_within([v for v in candidates if v <= ask], IMMINENT_BUDGET,
                                 lambda value: false_alarm_rate(everyday, Thresholds(ask, escalate, escalate, value))
                                 - at_ask)
    if not exercise:
        return Thresholds(ask, escalate, escalate, imminent_ask, escalate)
    exercise_ask = lowest_within([v for v in candidates if ask <= v <= escalate], EXERCISE_BUDGET,
                                 lambda value: false_alarm_rate(exercise, Thresholds(ask, escalate, value)))
    exercise_imminent_ask = lowest_within(
        [v for v in candidates if imminent_ask <= v <= exercise_ask], EXERCISE_BUDGET,
        lambda value: false_alarm_rate(exercise, Thresholds(ask, escalate, exercise_ask, imminent_ask, value)))
    return Thresholds(ask, escalate, exercise_ask, imminent_ask, exercise_imminent_ask)


def trade_off(items: list[Scored], chosen: Thresholds) -> list[str]:
    """Dev figures (chat-style rows) if the ask threshold were elsewhere (the other thresholds as chosen)."""
    items = chat_style(items)
    risk = [item for item in items if item.row.is_risk]
    imminent = [item for item in risk if item.row.kind in IMMINENT_KINDS]
    everyday = [item for item in items if not item.row.is_risk and not item.row.is_exercise_answer]
    exercise = [item for item in items if not item.row.is_risk and item.row.is_exercise_answer]
    lines = ["dev trade-off (ask threshold; imminent_ask = min(ask, chosen)): recall all / imminent, "
             "asked-or-escalated on everyday safe rows / exercise answers"]
    for ask in sorted({0.3, 0.4, 0.5, 0.6, 0.7, chosen.ask, 0.9}):
        trial = replace(chosen, ask=ask, imminent_ask=min(ask, chosen.imminent_ask))
        figures = [sum(detected(item, trial) for item in group) / len(group) if group else 0.0
                   for group in (risk, imminent, everyday, exercise)]
        mark = "  <- chosen" if ask == chosen.ask else ""
        lines.append(f"  ask {ask:.3f}: {figures[0]:.3f} / {figures[1]:.3f}, {figures[2]:.3f} / {figures[3]:.3f}{mark}")
    return lines


def write(thresholds: Thresholds, items: list[Scored]) -> None:
    risk = sum(item.row.is_risk for item in items)
    exercise = sum(item.row.is_exercise_answer for item in items)
    header = (
        "# The risk scorer's thresholds, chosen on the dev split only by `python -m bot.risk.eval.tune`\n"
        "# (budgets and method in bot/risk/eval/tune.py; how they are used in bot/risk/decision.py).\n"
        f"# Chosen {date.today().isoformat()} on {len(items)} dev rows ({risk} risk, "
        f"{len(items) - risk - exercise} other safe, {exercise} exercise answers). Re-run after the data\n"
        "# or the scorer changes, and commit the result with the figures of `make eval-risk`.\n"
    )
    body = yaml.safe_dump({"ask": thresholds.ask, "escalate": thresholds.escalate,
                           "exercise_ask": thresholds.exercise_ask, "imminent_ask": thresholds.imminent_ask,
                           "exercise_imminent_ask": thresholds.exercise_imminent_ask},
                          sort_keys=False)
    THRESHOLDS_PATH.write_text(header + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.eval.tune")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    build_if_stale()
    items = score_rows(dev_rows(), RiskDetector(), RiskScorer.load())
    thresholds = choose(items)
    print(f"chosen on {len(items)} dev rows: {thresholds}")
    print("\n".join(trade_off(items, thresholds)))
    if not args.dry_run:
        write(thresholds, items)
        print(f"written to {THRESHOLDS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
