"""How many DIET epochs the NLU needs: cross-validated intent F1 and training time per setting.

    python -m bot.tools.epochs [--epochs 20 40 80] [--folds 3]

For each value, config.yml with only DIETClassifier's `epochs` changed is cross-validated with
`rasa test nlu --cross-validation` on data/ (the whole pipeline, risk component and fallback
included). Prints weighted and macro intent F1 on the held-out folds, the risk intent's F1 and
recall, and the wall time. Cut epochs only where F1 holds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bot import config


def config_with(epochs: int, component: str, folder: Path) -> Path:
    settings = yaml.safe_load((config.REPO_ROOT / "config.yml").read_text())
    for part in settings["pipeline"] + settings["policies"]:
        if part["name"] == component:
            part["epochs"] = epochs
    path = folder / f"config-{component}-{epochs}.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def cross_validate(epochs: int, folds: int, folder: Path) -> dict[str, float]:
    out = folder / f"diet-{epochs}"
    command = [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "data", "--cross-validation"]
    settings = config_with(epochs, "DIETClassifier", folder)
    command += ["--folds", str(folds), "--config", str(settings), "--out", str(out)]
    env = {**config.process_environment(), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.monotonic()
    subprocess.run(command, cwd=config.REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    report = json.loads((out / "intent_report.json").read_text())
    risk = report.get("risk", {})
    return {
        "epochs": epochs,
        "weighted_f1": report["weighted avg"]["f1-score"],
        "macro_f1": report["macro avg"]["f1-score"],
        "risk_f1": risk.get("f1-score", 0.0),
        "risk_recall": risk.get("recall", 0.0),
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, nargs="+", default=[20, 40, 80])
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="steady-epochs-", dir=config.var_dir()))
    print(f"{'epochs':>6} {'weighted F1':>12} {'macro F1':>9} {'risk F1':>8} {'risk rec':>9} {'wall s':>7}")
    for epochs in args.epochs:
        row = cross_validate(epochs, args.folds, folder)
        print(
            f"{row['epochs']:>6} {row['weighted_f1']:>12.3f} {row['macro_f1']:>9.3f} {row['risk_f1']:>8.3f} "
            f"{row['risk_recall']:>9.3f} {row['seconds']:>7.0f}",
            flush=True,
        )
    print(f"(held-out folds of data/; {args.folds}-fold; reports in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
