"""Real forum sentences from the construct-tracker 1.0.16 wheel (Apache-2.0), read at build time.

The wheel (downloaded once into var/cache/ by bot.risk.lexicon.download_wheel, never installed)
bundles construct_tracker/data/datasets/rally_point_reddit_mental_health/
rallypoint_reddit_mentalhealth_{train_3632,test_908}.csv with columns doc, label (1.0 = the writer's
own suicidal thoughts or behaviour), source. Two groups are used, each reported on its own:

  ct_talklife   short posts about suicidal thoughts (TalkLife "shortstbposts", "sitb_phrases"),
                augmentation phrases, and their negated rewrites ("I don't want to die"), labelled
                by the package authors (sources rallypoint shortstbposts_talklife[_negated],
                positive_examples_negated, rp_augment_phrases, sitb_phrases_talklife)
  ct_veterans   veterans' forum comments from RallyPoint (sources rallypoint Set 1-6, first500,
                first500_highlighted, nock2000); long, often about others or the past

Not used: the "reddit <subreddit>" rows, labelled 1.0 whatever they say (the label there marks the
subreddit, not risk). The package's own train/test division is ignored: both files are pooled,
de-duplicated and split by a stable hash of the text (SPLIT_BUCKETS), so the split never changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

from bot.risk.dataset import UNSPECIFIED, Row
from bot.risk.lexicon import DEFAULT_CACHE_DIR, download_wheel

DATASET_DIR = "construct_tracker/data/datasets/rally_point_reddit_mental_health/"
FILES = ("rallypoint_reddit_mentalhealth_train_3632.csv", "rallypoint_reddit_mentalhealth_test_908.csv")
TALKLIFE_SOURCES = frozenset({
    "rallypoint shortstbposts_talklife", "rallypoint shortstbposts_talklife_negated",
    "rallypoint positive_examples_negated", "rallypoint rp_augment_phrases",
    "rallypoint sitb_phrases_talklife",
})
PROVENANCE = ("construct-tracker 1.0.16 (PyPI wheel, Apache-2.0; Low DM et al.), "
              f"{DATASET_DIR}{{{','.join(FILES)}}}")
# hash bucket (0-99) -> split
SPLIT_BUCKETS = ((70, "train"), (85, "dev"), (100, "test"))


def group_of(source: str) -> str | None:
    if source in TALKLIFE_SOURCES:
        return "ct_talklife"
    if source.startswith("rallypoint "):
        return "ct_veterans"
    return None


def split_of(text: str) -> str:
    bucket = int(hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest(), 16) % 100
    return next(split for limit, split in SPLIT_BUCKETS if bucket < limit)


def read_forum_rows(wheel: Path) -> list[tuple[str, Row]]:
    """(split, row) for every usable, de-duplicated sentence in the wheel."""
    seen: set[str] = set()
    rows = []
    with zipfile.ZipFile(wheel) as archive:
        for name in FILES:
            text = archive.read(DATASET_DIR + name).decode("utf-8")
            for record in csv.DictReader(io.StringIO(text)):
                group = group_of(record["source"])
                doc = " ".join((record["doc"] or "").split())
                if group is None or not doc or doc.lower() in seen:
                    continue
                seen.add(doc.lower())
                risk = float(record["label"] or 0) >= 0.5
                row = Row(doc, "risk" if risk else "safe", UNSPECIFIED if risk else "-", "-",
                          record["source"].removeprefix("rallypoint "), "-", group)
                rows.append((split_of(doc), row))
    return rows


def forum_rows(split: str, cache_dir: Path = DEFAULT_CACHE_DIR) -> list[Row]:
    """The construct-tracker rows of one split (downloads the wheel on first use)."""
    return [row for row_split, row in read_forum_rows(download_wheel(cache_dir)) if row_split == split]
