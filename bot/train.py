"""Train the Rasa model only when its inputs changed since the last training.

Inputs (INPUTS): config.yml, domain.yml, data/, the crisis content, the code of the custom NLU
components and what the risk scorer is built from. The risk scorer (bot/risk/scorer.py) is rebuilt
first when its own inputs changed.
The fingerprint of the last successful training is kept next to the model.
Rasa's own check of the data (`rasa data validate`) is not repeated inside the training: it re-reads
every file and took 49 s of a 286 s training. `make test` and `make validate` run it; data that cannot
be read still stops the training.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from bot import config
from bot.crisis import build_domain
from bot.risk.scorer import build_if_stale as build_risk_scorer_if_stale

MODEL = config.REPO_ROOT / "models" / "steady.tar.gz"
FINGERPRINT = config.REPO_ROOT / "models" / ".fingerprint"
# The risk component (config.yml) and every bot/risk module it imports, with the rules and thresholds it reads.
RISK_COMPONENT = tuple(
    f"bot/risk/{name}"
    for name in (
        "__init__.py", "component.py", "decision.py", "detector.py", "guards.py", "lexicon_store.py", "model.py",
        "normalize.py", "patterns.py", "pipeline.py", "rules.py", "rules.yml", "severity.py", "thresholds.yml",
    )
)
# What the risk scorer is built from (bot/risk/scorer.py INPUTS) and the code that reads it.
RISK_SCORER = tuple(
    f"bot/risk/{name}"
    for name in ("scorer.py", "dataset.py", "forum_data.py", "lexicon.py", "corpus/splits/train.tsv")
)
# Exactly what the model is trained from: evaluation tooling (bot/risk/eval/) and the written corpus
# are not here, so editing them never forces a retrain (tests/unit/test_train_inputs.py keeps this
# list in step with the imports).
INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "bot/content/helplines.yml",
    "bot/content/crisis.yml",
    "bot/crisis.py",  # generates the crisis responses
    "bot/crisis_router.py",  # a custom NLU component
    "bot/nlu_component.py",  # what the custom NLU components share
    *RISK_COMPONENT,
    *RISK_SCORER,
)


def built_domain() -> Path:
    return build_domain(config.var_dir() / "build" / "domain")


def fingerprint() -> str:
    digest = hashlib.sha256()
    files = [config.helplines_file()]
    for name in INPUTS:
        path = config.REPO_ROOT / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for path in files:
        if path.exists() and "__pycache__" not in path.parts:
            digest.update(
                str(path.relative_to(config.REPO_ROOT) if path.is_relative_to(config.REPO_ROOT) else path).encode()
            )
            digest.update(path.read_bytes())
    return digest.hexdigest()


def is_stale() -> bool:
    return not MODEL.exists() or not FINGERPRINT.exists() or FINGERPRINT.read_text().strip() != fingerprint()


def train(domain: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        "config.yml",
        "--domain",
        str(domain),
        "--data",
        "data",
        "--out",
        "models",
        "--fixed-model-name",
        "steady",
        "--skip-validation",  # make test and make validate run `rasa data validate`
    ]
    started = time.monotonic()
    trained_on = fingerprint()  # taken before training: an edit made meanwhile leaves the model stale
    result = subprocess.run(command, cwd=config.REPO_ROOT)
    if result.returncode != 0:
        print("Training failed; the previous model (if any) is unchanged.", file=sys.stderr)
        return result.returncode
    FINGERPRINT.write_text(trained_on)
    print(f"==> Model trained in {time.monotonic() - started:.0f} s: {MODEL}")
    return 0


def main() -> int:
    domain = built_domain()  # `make test` validates var/build/domain even when no training is needed
    build_risk_scorer_if_stale()  # seconds; the risk component loads it from var/build/
    if not is_stale():
        print(f"==> Model is up to date: {MODEL.relative_to(config.REPO_ROOT)}")
        return 0
    print("==> Training the model (data, domain or config changed)")
    return train(domain)


if __name__ == "__main__":
    sys.exit(main())
