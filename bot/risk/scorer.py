"""Steady's risk scorer: a probability that a message is risk language, apart from intent classification.

    python -m bot.risk.scorer build    # trains from the train split (+ forum sentences), seconds
    python -m bot.risk.scorer score "some message"

Model: word (1-2) and character (1-5, across word boundaries) n-grams, TF-IDF weighted, into one
logistic regression. Trained on bot/risk/corpus/splits/train.tsv and the construct-tracker forum
short sentences (ct_talklife) of the train hash split (bot/risk/forum_data.py). Logistic
regression without class reweighting gives probabilities that track frequencies on the training
mix; how well they hold on dev is printed by `make eval-risk` (Brier score, bins).

Chosen on the dev split (AUC on the written dev rows, 2026-12-01): character n-grams across word
boundaries 0.953 against 0.945 within words; word trigrams, class reweighting, per-source weights,
C 2..30 and a linear SVM changed AUC by less than 0.005. A sentence encoder was measured before
(issue 12: at most +0.04 AUC for 30-70 ms a message) and is not used.
Re-checked on dev after the six new train writers (5,510 train rows, 2026-12-01): AUC 0.927 -> 0.942 from the
data; C 8 -> 16 kept that AUC and raised dev recall at the same added alarms (+2 points of everyday safe rows
over the rules' own) from 0.56 to 0.61 (C 30-60 about the same, C 2 worse); class reweighting, char 2-6,
char_wb and word trigrams within +-0.02; stacking the n-gram logit with the word cues of bot/risk/severity.py
in a second logistic regression (trained on out-of-fold scores) lost recall on dev, so it is not used.
Round 3 (7,500 train rows, 2026-12-02): the n-grams see the text respelt as the rules see it
(bot/risk/normalize.py: chat and Scots spellings, dropped g's): dev AUC 0.973 -> 0.977 and, with thresholds
chosen by tune.py, dev recall 0.77 -> 0.82 at the same alarms on everyday safe rows (respelling without the
dropped-g repair, which needs the word list: 0.80). C 8 / 32 / 64: recall 0.79 / 0.83 / 0.83 at the same
alarms, with the escalate threshold pinned at 1.000 from C 32; C 16 kept.

The artifact is var/build/risk_scorer.json (the n-gram weights and a card: sources, row counts,
versions), rebuilt by `make model` (bot/train.py) whenever its inputs change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import re
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bot.risk.dataset import REPO_ROOT, SPLITS_DIR, Row, load_split
from bot.risk.forum_data import PROVENANCE, forum_rows
from bot.risk.normalize import Normalizer
from bot.risk.pipeline import vocabulary

logger = logging.getLogger(__name__)

BUILD_DIR = REPO_ROOT / "var" / "build"
DEFAULT_SCORER_PATH = BUILD_DIR / "risk_scorer.json"
# Inputs whose change makes a rebuild necessary.
INPUTS = (Path(__file__), SPLITS_DIR / "train.tsv", Path(__file__).with_name("forum_data.py"),
          Path(__file__).with_name("normalize.py"))
# The veterans' comments (ct_veterans) are only reported: long, mostly about others or the past; with
# them the build took 10-20 s instead of 1-2 s and dev AUC moved by less than 0.01 (2026-12-01).
TRAINED_FORUM_GROUPS = ("ct_talklife",)
REGULARISATION_C = 16.0
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9']+")


@lru_cache(maxsize=1)
def _respeller() -> Normalizer:
    return Normalizer(vocabulary())


def normalised(text: str) -> str:
    """What the n-grams see: the text respelt as the rules see it (bot/risk/normalize.py: chat and Scots
    spellings, dropped g's, "kms" -> "kill myself"), lower case, straight quotes, single spaces."""
    return _SPACE.sub(" ", _respeller()(text).text.translate(_QUOTES)).strip()


def new_pipeline() -> Any:
    """The scikit-learn pipeline the scorer is trained with (imported only to train)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("words", TfidfVectorizer(preprocessor=normalised, ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                  token_pattern=_WORD.pattern)),
        ("chars", TfidfVectorizer(preprocessor=normalised, analyzer="char", ngram_range=(1, 5), min_df=2,
                                  sublinear_tf=True, max_features=200_000)),
    ])
    classifier = LogisticRegression(C=REGULARISATION_C, max_iter=2000, solver="liblinear")
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass(frozen=True)
class NgramBlock:
    """One TF-IDF block of the model: how n-grams are cut, and per n-gram (idf, weight)."""

    analyzer: str  # "word" or "char"
    low: int
    high: int
    features: dict[str, tuple[float, float]]

    def ngrams(self, text: str) -> list[str]:
        """The n-grams scikit-learn's TfidfVectorizer cuts from the normalised text (same order)."""
        if self.analyzer == "word":
            words = _WORD.findall(text)
            return [" ".join(words[i:i + n]) for n in range(self.low, self.high + 1) for i in range(len(words) - n + 1)]
        return [text[i:i + n] for n in range(self.low, self.high + 1) for i in range(len(text) - n + 1)]

    def contribution(self, text: str) -> float:
        """weights . (sublinear tf * idf, L2-normalised over the block)."""
        counts = Counter(gram for gram in self.ngrams(text) if gram in self.features)
        values = [((1 + math.log(count)) * self.features[gram][0], self.features[gram][1])
                  for gram, count in counts.items()]
        norm = math.sqrt(sum(value * value for value, _ in values))
        return sum(value * weight for value, weight in values) / norm if norm else 0.0


class RiskScorer:
    """A probability of risk for one message (0..1): a linear model over n-gram blocks, in plain Python
    (about 0.1 ms a message; the artifact is JSON, so no pickle ties it to a library version)."""

    def __init__(self, blocks: list[NgramBlock], intercept: float, card: dict) -> None:
        self.blocks = blocks
        self.intercept = intercept
        self.card = card

    @classmethod
    def train(cls, rows: list[Row], card: dict | None = None) -> RiskScorer:
        pipeline = new_pipeline()
        pipeline.fit([row.text for row in rows], [int(row.is_risk) for row in rows])
        return cls.from_pipeline(pipeline, card or {})

    @classmethod
    def from_pipeline(cls, pipeline: Any, card: dict) -> RiskScorer:
        classifier = pipeline.named_steps["classifier"]
        coefficients = classifier.coef_[0]
        blocks, offset = [], 0
        for _, vectorizer in pipeline.named_steps["features"].transformer_list:
            names = vectorizer.get_feature_names_out()
            weights = coefficients[offset:offset + len(names)]
            features = {str(name): (float(idf), float(weight))
                        for name, idf, weight in zip(names, vectorizer.idf_, weights, strict=True)}
            low, high = vectorizer.ngram_range
            blocks.append(NgramBlock(vectorizer.analyzer, low, high, features))
            offset += len(names)
        return cls(blocks, float(classifier.intercept_[0]), card)

    def score(self, text: str) -> float:
        normal = normalised(text)
        decision = self.intercept + sum(block.contribution(normal) for block in self.blocks)
        return 1 / (1 + math.exp(-max(min(decision, 50.0), -50.0)))

    def scores(self, texts: list[str]) -> list[float]:
        return [self.score(text) for text in texts]

    def save(self, path: Path) -> None:
        blocks = [{"analyzer": b.analyzer, "ngram_range": [b.low, b.high],
                   "features": {gram: [round(idf, 6), round(weight, 6)] for gram, (idf, weight) in b.features.items()}}
                  for b in self.blocks]
        payload = {"card": self.card, "intercept": self.intercept, "blocks": blocks}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_SCORER_PATH) -> RiskScorer:
        payload = json.loads(path.read_text(encoding="utf-8"))
        blocks = [NgramBlock(block["analyzer"], *block["ngram_range"],
                             {gram: (idf, weight) for gram, (idf, weight) in block["features"].items()})
                  for block in payload["blocks"]]
        return cls(blocks, float(payload["intercept"]), payload["card"])


def inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in INPUTS:
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def training_rows() -> tuple[list[Row], list[str]]:
    """Rows to train on, and the sources they came from (with provenance)."""
    rows = load_split("train")
    notes = [f"bot/risk/corpus/splits/train.tsv ({len(rows)} rows)"]
    try:
        forum = [row for row in forum_rows("train") if row.source in TRAINED_FORUM_GROUPS]
        rows += forum
        notes.append(f"{PROVENANCE}, {', '.join(TRAINED_FORUM_GROUPS)}, train hash split ({len(forum)} rows)")
    except (OSError, ValueError, subprocess.SubprocessError, zipfile.BadZipFile) as error:
        # no network and no cached wheel: say so, build anyway
        logger.error("construct-tracker sentences unavailable (%s): the scorer is built without them", error)
        notes.append(f"construct-tracker sentences NOT used ({error})")
    return rows, notes


def build(out: Path = DEFAULT_SCORER_PATH) -> RiskScorer:
    started = time.perf_counter()
    rows, notes = training_rows()
    card = {
        "inputs": inputs_digest(),
        "sklearn": version("scikit-learn"),
        "trained_on": notes,
        "rows": dict(Counter(f"{row.source}:{row.label}" for row in rows)),
    }
    scorer = RiskScorer.train(rows, card)
    scorer.save(out)
    logger.info("risk scorer built in %.1f s from %d rows: %s", time.perf_counter() - started, len(rows), out)
    return scorer


def is_stale(path: Path = DEFAULT_SCORER_PATH) -> bool:
    try:
        return RiskScorer.load(path).card.get("inputs") != inputs_digest()
    except (OSError, ValueError, KeyError, TypeError):
        return True


def build_if_stale(path: Path = DEFAULT_SCORER_PATH) -> None:
    if is_stale(path):
        build(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.scorer")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="train the scorer and write var/build/risk_scorer.json")
    score = sub.add_parser("score", help="print the score of each message")
    score.add_argument("texts", nargs="+")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "build":
        build()
        return 0
    build_if_stale()
    scorer = RiskScorer.load()
    for text in args.texts:
        print(f"{scorer.score(text):.3f}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
