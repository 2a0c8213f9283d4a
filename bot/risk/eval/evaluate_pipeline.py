"""How the whole trained NLU pipeline (DIET + the risk component) escalates, on the labelled sets.

    python -m bot.risk.eval.evaluate_pipeline [--model models/steady.tar.gz]

The rules alone are measured by `python -m bot.risk.eval.evaluate`; what a person meets is the
pipeline: a message escalates when its predicted intent is `risk`, and gets a direct question with
crisis resources when it is `risk_check` (the model alone suspected risk). Prints, for the
evaluation set and the untuned holdout set, recall/precision/false alarms of "escalated" and of
"escalated or asked directly", and lists the misses of the latter.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import REPO_ROOT
from bot.risk.eval.evaluate import EVAL_SET, HOLDOUT_SET, Example, load_eval_set


async def predicted_intents(model: Path, examples: list[Example]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [(await agent.parse_message(example.text))["intent"]["name"] for example in examples]


def summary(name: str, examples: list[Example], flagged: list[bool], list_misses: bool = True) -> str:
    positives = [hit for example, hit in zip(examples, flagged, strict=True) if example.positive]
    negatives = [hit for example, hit in zip(examples, flagged, strict=True) if not example.positive]
    caught, false_alarms = sum(positives), sum(negatives)
    precision = caught / (caught + false_alarms) if caught + false_alarms else 1.0
    lines = [
        f"{name}: recall {caught}/{len(positives)} = {caught / max(len(positives), 1):.3f}, "
        f"precision {precision:.3f}, false alarms {false_alarms}/{len(negatives)} = "
        f"{false_alarms / max(len(negatives), 1):.3f}"
    ]
    for example, hit in zip(examples, flagged, strict=True):
        if list_misses and hit != example.positive:
            lines.append(f"   {'missed' if example.positive else 'false alarm'}: {example.text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "steady.tar.gz")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"No model at {args.model}: run `make model` first.", file=sys.stderr)
        return 1
    for name, path in (("evaluation set", EVAL_SET), ("holdout set", HOLDOUT_SET)):
        examples = load_eval_set(path)
        intents = asyncio.run(predicted_intents(args.model, examples))
        print(summary(f"{name}, escalated", examples, [i == "risk" for i in intents], list_misses=False))
        print(summary(f"{name}, escalated or asked", examples, [i in ("risk", "risk_check") for i in intents]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
