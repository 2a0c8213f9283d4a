"""Latency benchmark for RiskDetector.assess (prints figures; not a test).

    python -m bot.risk.bench [--rounds 5]

Loads the detector once, then assesses every message of tests/risk/eval_set.tsv `rounds`
times and prints load time and per-message latency (mean, p50, p95, p99, max), plus a
10,000-character message. Target: < 5 ms per typical message after load.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bot.risk.detector import RiskDetector
from bot.risk.evaluate import load_eval_set


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.bench")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    detector = RiskDetector()
    load_ms = (time.perf_counter() - started) * 1000
    texts = [example.text for example in load_eval_set()]
    detector.assess("warm up")
    timings: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            detector.assess(text)
            timings.append((time.perf_counter() - started) * 1000)
    long_text = ("today was long and the bus was late. " * 280) + "i want to die"
    started = time.perf_counter()
    detector.assess(long_text)
    long_ms = (time.perf_counter() - started) * 1000
    print(f"configuration: {detector.lexicon_label}")
    print(f"load: {load_ms:.0f} ms (first detector in the process; includes spaCy + lookups)")
    print(f"assess, {len(timings)} calls over {len(texts)} messages "
          f"(mean length {statistics.mean(len(text) for text in texts):.0f} chars): "
          f"mean {statistics.mean(timings):.2f} ms, p50 {percentile(timings, 0.5):.2f} ms, "
          f"p95 {percentile(timings, 0.95):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms, "
          f"max {max(timings):.2f} ms")
    print(f"assess, one {len(long_text)}-character message: {long_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
