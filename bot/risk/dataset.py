"""Labelled messages for the risk scorer: the written corpus format, and the committed splits.

A written file (bot/risk/corpus/written/<writer_id>.tsv) is tab-separated, with `#` comment lines
at the top, one of which names the writer and the split:

    # writer: <writer_id>   # split: train|dev|test   # provenance: written for Steady on ...
    text	label	category	severity	kind	context

label is risk|safe; category one of bot.risk.model.CATEGORIES (risk) or "-"; severity the
minimum expected low|moderate|high|imminent or "-"; kind a finer label (RISK_KINDS, SAFE_KINDS);
context "<exercise_id>/<step_id>" when the line answers an exercise step, else "-".

A split file (bot/risk/corpus/splits/<split>.tsv, built by `python -m bot.risk.eval.splits`) has the
same columns plus `source` (the writer id, or where the row came from in the project).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from bot.risk.model import CATEGORIES, SEVERITIES

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "bot" / "risk" / "corpus"
WRITTEN_DIR = CORPUS_DIR / "written"
SPLITS_DIR = CORPUS_DIR / "splits"

SPLITS = ("train", "dev", "test")
LABELS = ("risk", "safe")
RISK_KINDS = (
    "passive", "active", "plan", "means_at_hand", "means_acquired", "ingestion_done", "injury_done",
    "method_research", "date_tonight", "goodbye_preparation", "hopeless_only_way_out", "self_harm",
    "harm_others", "abuse", "danger", "slang_misspelt",
)
SAFE_KINDS = (
    "exercise_answer", "everyday_problem", "idiom", "negation", "third_party", "news", "mh_question",
    "tiredness_sleep", "strengths_coping", "small_talk", "bereavement_no_risk",
)
# Kinds the issue names as imminent: every one of them must be detected.
IMMINENT_KINDS = frozenset({"means_at_hand", "ingestion_done", "injury_done", "date_tonight",
                            "goodbye_preparation"})
# Rows from project data carry no category; "unspecified" is bot.risk.model.MODEL_CATEGORY.
UNSPECIFIED = "unspecified"
COLUMNS = ("text", "label", "category", "severity", "kind", "context")
SPLIT_COLUMNS = (*COLUMNS, "source")
_HEADER_FIELD = re.compile(r"#\s*(writer|split|provenance)\s*:\s*([^#]*)")


class CorpusError(ValueError):
    """A corpus file does not follow the format."""


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    category: str = "-"
    severity: str = "-"
    kind: str = "-"
    context: str = "-"
    source: str = "-"

    @property
    def is_risk(self) -> bool:
        return self.label == "risk"

    @property
    def is_exercise_answer(self) -> bool:
        return not self.is_risk and (self.kind == "exercise_answer" or self.context != "-")

    @property
    def exercise_step(self) -> tuple[str, str] | None:
        """(exercise id, step id) the message answers, if any."""
        if self.context == "-" or "/" not in self.context:
            return None
        exercise, step = self.context.split("/", 1)
        return exercise, step


@dataclass(frozen=True)
class WrittenFile:
    writer: str
    split: str
    provenance: str
    rows: tuple[Row, ...]


def header_fields(comment_lines: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in comment_lines:
        for key, value in _HEADER_FIELD.findall(line):
            fields.setdefault(key, value.strip())
    return fields


def _table_lines(path: Path) -> tuple[list[str], list[str]]:
    """(comment lines at the top, the remaining non-blank lines) of a TSV file."""
    comments, table = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not table and line.startswith("#"):
            comments.append(line)
        elif line.strip() and not line.startswith("#"):
            table.append(line)
    return comments, table


def check_row(row: Row, where: str) -> Row:
    """The row, or CorpusError saying what is wrong with it."""
    problems = []
    if not row.text.strip():
        problems.append("empty text")
    if row.label not in LABELS:
        problems.append(f"label {row.label!r}")
    if row.is_risk and row.category not in (*CATEGORIES, UNSPECIFIED):
        problems.append(f"category {row.category!r}")
    if not row.is_risk and row.category != "-":
        problems.append(f"a safe row with category {row.category!r}")
    if row.severity not in (*SEVERITIES, "-"):
        problems.append(f"severity {row.severity!r}")
    if problems:
        raise CorpusError(f"{where}: {', '.join(problems)} in {row.text[:60]!r}")
    return row


def read_rows(path: Path, columns: tuple[str, ...] = COLUMNS, source: str | None = None) -> list[Row]:
    _, table = _table_lines(path)
    reader = csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = [name for name in columns if name not in (reader.fieldnames or [])]
    if missing:
        raise CorpusError(f"{path}: missing columns {missing}")
    rows = []
    for number, record in enumerate(reader, start=2):
        values = {name: (record.get(name) or "-").strip() for name in SPLIT_COLUMNS if name in record}
        if source is not None:
            values["source"] = source
        rows.append(check_row(Row(**values), f"{path.name}:{number}"))
    return rows


def read_written(path: Path) -> WrittenFile:
    """One writer's file; its split comes from the `# split:` header line."""
    comments, _ = _table_lines(path)
    fields = header_fields(comments)
    writer = fields.get("writer") or path.stem
    split = fields.get("split", "")
    if split not in SPLITS:
        raise CorpusError(f"{path}: the header needs '# split: train|dev|test', found {split!r}")
    rows = read_rows(path, source=writer)
    return WrittenFile(writer, split, fields.get("provenance", ""), tuple(rows))


def read_split(path: Path) -> list[Row]:
    return read_rows(path, SPLIT_COLUMNS)


def split_path(split: str, directory: Path = SPLITS_DIR) -> Path:
    return directory / f"{split}.tsv"


def load_split(split: str, directory: Path = SPLITS_DIR) -> list[Row]:
    """The committed rows of one split ([] before the split is built)."""
    path = split_path(split, directory)
    return read_split(path) if path.is_file() else []


def _clean(value: str) -> str:
    return " ".join(value.replace("\t", " ").split())


def write_rows(path: Path, rows: list[Row], comments: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {line}" for line in comments] + ["\t".join(SPLIT_COLUMNS)]
    for row in rows:
        lines.append("\t".join(_clean(getattr(row, name)) for name in SPLIT_COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
