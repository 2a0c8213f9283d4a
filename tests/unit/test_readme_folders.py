"""README's "What's where" names every folder of the repository, each under its parent."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import PurePosixPath

import pytest

from bot.config import REPO_ROOT

ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[A-Za-z0-9_.-]+)/(?:\s{2,}|$)")


def readme_folders() -> set[str]:
    """The folders of the "What's where" block, as paths: a folder indented two spaces more than the
    one above it is inside it."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## What's where\n\n```\n", 1)[1].split("```", 1)[0]
    folders: set[str] = set()
    parents: list[str] = []
    for line in block.splitlines():
        entry = ENTRY.match(line)
        if entry:
            depth = len(entry["indent"]) // 2
            parents = [*parents[:depth], entry["name"]]
            folders.add("/".join(parents))
    return folders


def tracked_folders() -> set[str]:
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return {str(parent) for name in files.splitlines() for parent in PurePosixPath(name).parents if str(parent) != "."}


def test_whats_where_names_every_folder_and_only_real_ones() -> None:
    listed, tracked = readme_folders(), tracked_folders()
    assert not tracked - listed, "add these folders to README's What's where"
    assert not listed - tracked, "README's What's where names folders that are not in the repository"
