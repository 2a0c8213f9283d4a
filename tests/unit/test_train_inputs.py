"""The model's fingerprint (bot/train.py INPUTS) lists exactly what training reads from bot/risk:
every module the risk component and the risk scorer import, and the files they read, and no
evaluation tooling (editing bot/risk/eval/ must never force a retrain)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.config import REPO_ROOT
from bot.risk import scorer
from bot.risk.decision import THRESHOLDS_PATH
from bot.risk.rules import RULES_FILE
from bot.train import INPUTS

RISK = REPO_ROOT / "bot" / "risk"
ROOTS = (RISK / "component.py", RISK / "scorer.py")


def risk_modules_imported_by(path: Path) -> set[Path]:
    """The bot/risk modules one file imports (`from bot.risk.x import ...`, `from bot.risk import x`)."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[:2] == ["bot", "risk"]:
            parts = node.module.split(".")[2:]
            found.add(RISK / "__init__.py")
            if parts:
                found.add(RISK.joinpath(*parts).with_suffix(".py"))
            found.update(RISK / f"{alias.name}.py" for alias in node.names if (RISK / f"{alias.name}.py").is_file())
    return found


def risk_code_of(roots: tuple[Path, ...]) -> set[Path]:
    """The roots and every bot/risk module they import, directly or not."""
    seen: set[Path] = set()
    waiting = list(roots)
    while waiting:
        path = waiting.pop()
        if path not in seen:
            seen.add(path)
            waiting += risk_modules_imported_by(path) - seen
    return seen


def listed(suffix: str) -> set[Path]:
    return {REPO_ROOT / name for name in INPUTS if name.startswith("bot/risk/") and name.endswith(suffix)}


def test_the_fingerprint_lists_exactly_the_risk_code_the_component_and_the_scorer_run() -> None:
    assert listed(".py") == risk_code_of(ROOTS)


def test_the_files_the_risk_code_reads_are_fingerprinted() -> None:
    read = {THRESHOLDS_PATH, RULES_FILE, *(path for path in scorer.INPUTS if path.suffix != ".py")}
    assert read <= listed("")


def test_every_input_exists_and_none_is_evaluation_tooling() -> None:
    assert all((REPO_ROOT / name).exists() for name in INPUTS)
    assert not [name for name in INPUTS if name.startswith("bot/risk/eval")]
