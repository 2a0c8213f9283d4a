"""Latency benchmark for the risk decision on one message (prints figures; not a test).

    python -m bot.risk.eval.bench [--rounds 5]

Loads the rules (RiskDetector) and the scorer (RiskScorer) once, then runs both and the decision
on every message of tests/risk/eval_set.tsv `rounds` times and prints load times and per-message
latency (mean, p50, p95, p99, max) for the rules, the scorer and both, plus a 10,000-character
message. Targets: p95 <= 5 ms per message on one core; scorer load <= 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bot.risk.decision import Thresholds, decide
from bot.risk.detector import RiskDetector
from bot.risk.eval.evaluate import load_eval_set
from bot.risk.scorer import RiskScorer, build_if_stale
from bot.risk.severity import imminent_cue


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def figures(name: str, timings: list[float]) -> str:
    return (f"{name}: mean {statistics.mean(timings):.2f} ms, p50 {percentile(timings, 0.5):.2f} ms, "
            f"p95 {percentile(timings, 0.95):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms, "
            f"max {max(timings):.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.eval.bench")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    build_if_stale()
    detector_ms = timed(lambda: RiskDetector())
    detector = RiskDetector()
    started = time.perf_counter()
    scorer = RiskScorer.load()
    scorer_ms = (time.perf_counter() - started) * 1000
    thresholds = Thresholds.load()
    texts = [example.text for example in load_eval_set()]
    detector.assess("warm up")
    scorer.score("warm up")
    rules, scores, both = [], [], []
    for _ in range(args.rounds):
        for text in texts:
            rules.append(timed(lambda text=text: detector.assess(text)))
            scores.append(timed(lambda text=text: scorer.score(text)))
            both.append(timed(lambda text=text: decide(detector.assess(text), scorer.score(text), thresholds,
                                                       imminent_cue(text.lower()))))
    long_text = ("today was long and the bus was late. " * 280) + "i want to die"
    long_ms = timed(lambda: decide(detector.assess(long_text), scorer.score(long_text), thresholds))
    print(f"configuration: {detector.lexicon_label}; scorer {scorer.card.get('trained_on')}")
    print(f"load: rules {detector_ms:.0f} ms (spaCy already imported), scorer {scorer_ms:.0f} ms")
    print(f"{len(both)} calls over {len(texts)} messages (mean length "
          f"{statistics.mean(len(text) for text in texts):.0f} chars), one core:")
    print("  " + figures("rules", rules))
    print("  " + figures("scorer", scores))
    print("  " + figures("rules + scorer + decision", both))
    print(f"one {len(long_text)}-character message, rules + scorer + decision: {long_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
