"""Shared fixtures. Every test that touches the database gets its own SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.steady_env import SteadyPaths, isolate_steady


@pytest.fixture
def steady_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SteadyPaths:
    monkeypatch.setenv("STEADY_PSEUDONYM_KEY", "test-key")
    return isolate_steady(monkeypatch, tmp_path)
