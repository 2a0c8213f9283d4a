"""Secrets under var/secrets/: generated once, owner-only, read once per version of the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import config


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STEADY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("STEADY_PSEUDONYM_KEY", raising=False)
    return tmp_path / "var"


def test_a_secret_is_generated_once_and_owner_only(var: Path) -> None:
    first = config.pseudonym_key()
    assert config.pseudonym_key() == first
    assert (var / "secrets" / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    assert var.stat().st_mode & 0o777 == 0o700


def test_a_replaced_secret_file_is_read_again(var: Path) -> None:
    config.pseudonym_key()
    path = var / "secrets" / "pseudonym.key"
    path.write_text("rotated-by-the-operator")
    later = path.stat().st_mtime_ns + 1_000_000
    os.utime(path, ns=(later, later))
    assert config.pseudonym_key() == b"rotated-by-the-operator"


def test_a_removed_var_dir_is_made_again(var: Path) -> None:
    key = config.pseudonym_key()
    for path in sorted(var.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    var.rmdir()
    assert config.pseudonym_key() != key and (var / "secrets" / "pseudonym.key").exists()
