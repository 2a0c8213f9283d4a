"""Point Steady's settings at a fresh, private place for one test.

    def test_something(monkeypatch, tmp_path):
        paths = isolate_steady(monkeypatch, tmp_path)

Sets STEADY_VAR_DIR, STEADY_DATABASE_URL (a new SQLite file: bot.db.engine_for caches engines
per URL, so every test needs its own), STEADY_ONCALL_FILE (not created) and STEADY_CONSOLE_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

CONSOLE_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class SteadyPaths:
    var_dir: Path
    database_url: str
    oncall_file: Path


def isolate_steady(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SteadyPaths:
    var_dir = tmp_path / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    paths = SteadyPaths(
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'steady.db'}",
        oncall_file=tmp_path / "oncall.yml",
    )
    monkeypatch.setenv("STEADY_VAR_DIR", str(paths.var_dir))
    monkeypatch.setenv("STEADY_DATABASE_URL", paths.database_url)
    monkeypatch.setenv("STEADY_ONCALL_FILE", str(paths.oncall_file))
    monkeypatch.setenv("STEADY_CONSOLE_URL", CONSOLE_URL)
    return paths


def write_oncall(path: Path, data: dict) -> Path:
    """Write an on-call file (a dict as YAML) for the code under test to read."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
