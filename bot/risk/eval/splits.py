"""Build the committed train/dev/test splits of the risk scorer's data, once.

    python -m bot.risk.eval.splits            # writes bot/risk/corpus/splits/{train,dev,test}.tsv

Where each row comes from, and which split it goes to:
  bot/risk/corpus/written/*.tsv   by writer: the whole file goes to the split its `# split:` line
                                  names (one writer never spans two splits)
  data/nlu/risk.yml               train (risk; no category)
  data/nlu/*.yml, other intents   train (safe: everyday chat, hard negatives, exercise answers)
  tests/risk/eval_set.tsv         train (the rules were tuned on it, so it measures nothing new)
  tests/risk/holdout_set.tsv      dev (never tuned against by the rules; small)
The construct-tracker forum sentences are NOT copied here: they are read from the wheel at build
and evaluation time and split by a stable hash of the text (bot/risk/forum_data.py).

Re-running on the same inputs writes the same files. Thresholds are chosen on dev only
(`python -m bot.risk.eval.tune`); the test split is for reporting.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

from bot.risk.dataset import (
    REPO_ROOT,
    SPLITS,
    UNSPECIFIED,
    WRITTEN_DIR,
    Row,
    WrittenFile,
    read_written,
    split_path,
    write_rows,
)
from bot.risk.eval.evaluate import EVAL_SET, HOLDOUT_SET, load_eval_set

NLU_DIR = REPO_ROOT / "data" / "nlu"
RISK_INTENT = "risk"
_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def written_files(directory: Path = WRITTEN_DIR) -> list[WrittenFile]:
    return [read_written(path) for path in sorted(directory.glob("*.tsv"))]


def nlu_rows(directory: Path = NLU_DIR) -> list[Row]:
    """Every intent example of the NLU data: `risk` as risk, every other intent as safe."""
    rows = []
    for path in sorted(directory.glob("*.yml")):
        source = str(path.relative_to(REPO_ROOT))
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = _ENTITY_MARKUP.sub(r"\1", line.strip().removeprefix("- ").strip())
                if not text:
                    continue
                if intent == RISK_INTENT:
                    rows.append(Row(text, "risk", UNSPECIFIED, "-", "nlu_risk", "-", source))
                else:
                    rows.append(Row(text, "safe", "-", "-", f"nlu_{intent}", "-", source))
    return rows


def eval_set_rows(path: Path) -> list[Row]:
    source = str(path.relative_to(REPO_ROOT))
    rows = []
    for example in load_eval_set(path):
        if example.positive:
            category = sorted(example.categories)[0]
            rows.append(Row(example.text, "risk", category, example.min_severity or "-", example.kind, "-", source))
        else:
            rows.append(Row(example.text, "safe", "-", "-", example.kind, "-", source))
    return rows


def build_splits(written: list[WrittenFile]) -> dict[str, list[Row]]:
    splits: dict[str, list[Row]] = {split: [] for split in SPLITS}
    for file in written:
        splits[file.split].extend(file.rows)
    splits["train"] += nlu_rows() + eval_set_rows(EVAL_SET)
    splits["dev"] += eval_set_rows(HOLDOUT_SET)
    return {split: deduplicated(rows) for split, rows in splits.items()}


def deduplicated(rows: list[Row]) -> list[Row]:
    """First occurrence of each text (case and spacing ignored)."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = " ".join(row.text.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def without_leaks(splits: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """A text in test is removed from dev and train, a text in dev from train."""
    taken: set[str] = set()
    clean: dict[str, list[Row]] = {}
    for split in ("test", "dev", "train"):
        rows = [row for row in splits[split] if " ".join(row.text.lower().split()) not in taken]
        taken |= {" ".join(row.text.lower().split()) for row in rows}
        clean[split] = rows
    return clean


def summary(split: str, rows: list[Row]) -> str:
    sources = Counter(row.source for row in rows)
    labels = Counter(row.label for row in rows)
    return (f"{split}: {len(rows)} rows ({labels['risk']} risk, {labels['safe']} safe) from "
            + ", ".join(f"{source} {count}" for source, count in sorted(sources.items())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.eval.splits")
    parser.add_argument("--written-dir", type=Path, default=WRITTEN_DIR, help="where the writers' files are")
    args = parser.parse_args(argv)
    written = written_files(args.written_dir)
    splits = without_leaks(build_splits(written))
    writers = {split: [f.writer for f in written if f.split == split] for split in SPLITS}
    for split, rows in splits.items():
        comments = [
            f"Risk scorer {split} split, built by `python -m bot.risk.eval.splits`; do not edit by hand.",
            f"Writers: {', '.join(writers[split]) or 'none'}. Provenance of each row: the source column.",
        ]
        write_rows(split_path(split), rows, comments)
        print(summary(split, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
