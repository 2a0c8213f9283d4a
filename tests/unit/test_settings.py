"""bot/config.py is the only reader of the environment in bot/ and actions/, and README's
"Configuration" table lists every setting: each one config.py reads, and the few read outside Python."""

from __future__ import annotations

import ast
import re

from bot.config import REPO_ROOT

SETTING = re.compile(r"^(?:STEADY|TELEGRAM)_[A-Z0-9_]+$")
READS_THE_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|from os import[^\n]*\benviron\b")
# Settings read by something other than Python in bot/ (a shell tool, Rasa's endpoints.yml, a test).
OUTSIDE_PYTHON = {
    "STEADY_PYTHON": "tools/find_python.sh",
    "STEADY_CHROMIUM": "tools/setup_browser.sh",
    "STEADY_ACTION_ENDPOINT": "endpoints.yml",
    "STEADY_FUZZ_MESSAGES": "tests/security/test_fuzz.py",
}


def config_settings() -> set[str]:
    """The setting names bot/config.py spells (as whole strings)."""
    tree = ast.parse((REPO_ROOT / "bot" / "config.py").read_text(encoding="utf-8"))
    strings = (node.value for node in ast.walk(tree) if isinstance(node, ast.Constant))
    return {value for value in strings if isinstance(value, str) and SETTING.match(value)}


def readme_settings() -> set[str]:
    """The names in the first column of README's "Configuration" table."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}


def test_only_bot_config_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(REPO_ROOT))
        for folder in ("bot", "actions")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path != REPO_ROOT / "bot" / "config.py" and READS_THE_ENVIRONMENT.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == [], "read settings through bot/config.py"


def test_the_readme_table_lists_every_setting_and_no_other() -> None:
    expected = config_settings() | set(OUTSIDE_PYTHON)
    listed = readme_settings()
    assert not expected - listed, "add these to README's Configuration table"
    assert not listed - expected, "README lists settings nothing reads"


def test_settings_read_outside_python_are_read_where_the_table_says() -> None:
    for name, where in OUTSIDE_PYTHON.items():
        assert name in (REPO_ROOT / where).read_text(encoding="utf-8"), f"{name} is no longer in {where}"
