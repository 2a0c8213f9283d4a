"""Low items: the dependency lock carries hashes and is installed only with them, and `make test`
audits it against known vulnerabilities, saying plainly when it could not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from bot.tools import audit

LOCKS = [REPO_ROOT / "requirements.lock", REPO_ROOT / "tools" / "requirements-tools.lock"]
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(lock: Path) -> dict[str, list[str]]:
    """name==version -> its hashes, from a pip-compile style lock (a requirement and its continued lines)."""
    found: dict[str, list[str]] = {}
    current = None
    for line in lock.read_text().splitlines():
        if (match := REQUIREMENT.match(line)) is not None:
            current = f"{canonical(match.group(1))}=={match.group(2)}"
            found[current] = []
        elif line.startswith(" ") and current and "--hash=sha256:" in line:
            found[current].append(line.split("--hash=sha256:")[1].split()[0])
        elif line.strip() and not line.startswith((" ", "#")):
            pytest.fail(f"{lock.name}: not a pinned requirement: {line}")
    return found


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_every_locked_package_is_pinned_with_the_hashes_of_its_files(lock: Path) -> None:
    pinned = requirements(lock)
    assert len(pinned) > 10
    unhashed = [name for name, hashes in pinned.items() if not hashes]
    assert unhashed == [], f"no hash, so any file of that name would install: {unhashed[:5]}"
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for hashes in pinned.values() for digest in hashes)


def test_the_lock_pins_every_direct_dependency_at_its_version() -> None:
    pinned = requirements(REPO_ROOT / "requirements.lock")
    for line in (REPO_ROOT / "requirements.in").read_text().splitlines():
        if (match := REQUIREMENT.match(line.split("#")[0].strip())) is not None:
            assert f"{canonical(match.group(1))}=={match.group(2)}" in pinned, line


@pytest.mark.parametrize("script", ["tools/setup_venv.sh", "tools/setup_tools.sh", "deploy/Dockerfile"])
def test_installs_accept_only_files_whose_hash_is_in_the_lock(script: str) -> None:
    installs = [line for line in (REPO_ROOT / script).read_text().splitlines() if "pip install" in line]
    assert installs and all("--require-hashes" in line for line in installs), installs


def test_make_test_audits_the_dependencies() -> None:
    recipe = (REPO_ROOT / "Makefile").read_text().split("\ntest:")[1].split("\n\n")[0]
    assert "bot.tools.audit" in recipe


def report(*dependencies: dict[str, Any]) -> audit.Outcome:
    return audit.Outcome({"dependencies": list(dependencies), "fixes": []})


AIOHTTP_VULN = {"name": "aiohttp", "version": "3.9.5",
                "vulns": [{"id": "GHSA-xxxx", "aliases": ["CVE-2024-0001"], "fix_versions": ["3.10.11"]}]}
CLEAN = {"name": "alembic", "version": "1.13.3", "vulns": []}
SKIPPED = {"name": "absl-py", "version": "1.4.0", "skip_reason": "Dependency not found on PyPI"}


def audited(outcome: audit.Outcome, accepted: dict[str, str] | None = None, required: bool = False) -> tuple[int, str]:
    said: list[str] = []
    status = audit.audit(lambda: outcome, accepted or {}, required, said.append)
    return status, "\n".join(said)


def test_an_unreachable_vulnerability_service_is_reported_as_not_checked_and_does_not_fail_the_build() -> None:
    offline = audit.Outcome(None, "requests.exceptions.ConnectionError: Max retries exceeded", unreachable=True)
    status, said = audited(offline)
    assert status == 0 and "NOT DONE" in said and "NOT checked" in said
    assert audited(offline, required=True)[0] == 1, "STEADY_AUDIT_REQUIRED=1 makes it a failure"


def test_packages_the_service_could_not_audit_are_named_never_passed_as_clean() -> None:
    status, said = audited(report(SKIPPED, SKIPPED | {"name": "aiohttp"}))
    assert status == 0 and "NOT DONE: 2 of 2 packages could NOT be checked" in said and "absl-py" in said
    assert "no vulnerability" not in said
    status, said = audited(report(SKIPPED, CLEAN))
    assert "INCOMPLETE: 1 of 2" in said
    assert audited(report(SKIPPED, CLEAN), required=True)[0] == 1


def test_a_vulnerability_fails_the_build_unless_accepted_with_a_reason() -> None:
    status, said = audited(report(AIOHTTP_VULN, CLEAN))
    assert status == 1 and "aiohttp 3.9.5: GHSA-xxxx (fixed in 3.10.11) - NOT ACCEPTED" in said
    status, said = audited(report(AIOHTTP_VULN, CLEAN), {"CVE-2024-0001": "Rasa 3.6 needs aiohttp<3.10"})
    assert status == 0 and "accepted: Rasa 3.6 needs aiohttp<3.10" in said and "2 packages checked" in said
    status, said = audited(report(CLEAN), {"GHSA-gone": "fixed upstream"})
    assert status == 0 and "no longer found" in said and "GHSA-gone" in said


def test_an_audit_that_breaks_for_another_reason_fails_the_build() -> None:
    status, said = audited(audit.Outcome(None, "ERROR: invalid requirement 'x=1'"))
    assert status == 2 and "failed" in said


def test_the_accepted_list_reads_ids_and_reasons(tmp_path: Path) -> None:
    listed = tmp_path / "accepted.txt"
    listed.write_text("# comment\nGHSA-1234  needs Rasa 3.7  # until the upgrade\n\n")
    assert audit.accepted(listed) == {"GHSA-1234": "needs Rasa 3.7"}
    assert audit.accepted() == {}, "nothing is accepted today"
