"""The dependency audit in `make test`: every package in requirements.lock against the known
vulnerabilities of PyPI's advisory data, with pip-audit (from .venv-tools: tools/setup_tools.sh).

    python -m bot.tools.audit

- A vulnerability that tools/audit-accepted.txt does not accept fails the build. An accepted one (its
  id and why it stays for now) is listed without failing it; an accepted id no longer found is named.
- If nothing could be checked (the advisory service cannot be reached, knows none of the packages, or
  pip-audit cannot be installed), or only some packages could, it says so in capitals and names them,
  and does not fail the build: a network outage must not stop the tests, nor pass for a clean audit.
  STEADY_AUDIT_REQUIRED=1 makes an incomplete audit fail too (e.g. before a release).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import config
from bot.config import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
ACCEPTED = REPO_ROOT / "tools" / "audit-accepted.txt"
PIP_AUDIT = REPO_ROOT / ".venv-tools" / "bin" / "pip-audit"
SETUP_TOOLS = REPO_ROOT / "tools" / "setup_tools.sh"
UNREACHABLE_SIGNS = ("ConnectionError", "ProxyError", "Timeout", "Max retries exceeded", "NameResolution",
                     "Name or service not known", "Network is unreachable", "ServiceError")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]

    def ids(self) -> set[str]:
        return {self.id, *self.aliases}


@dataclass
class Outcome:
    """What pip-audit told: its JSON report, or None, its error output and whether that was the network."""

    report: dict[str, Any] | None
    errors: str = ""
    unreachable: bool = False


def accepted(path: Path = ACCEPTED) -> dict[str, str]:
    """Accepted vulnerability ids and why, from lines "ID  reason" (# starts a comment)."""
    entries = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            vuln_id, _, reason = line.partition(" ")
            entries[vuln_id] = reason.strip()
    return entries


def findings(report: dict[str, Any]) -> list[Finding]:
    return [
        Finding(dep["name"], dep.get("version", "?"), vuln["id"], tuple(vuln.get("aliases") or ()),
                tuple(vuln.get("fix_versions") or ()))
        for dep in report.get("dependencies", [])
        for vuln in dep.get("vulns") or []
    ]


def unchecked(report: dict[str, Any]) -> list[str]:
    """Packages pip-audit skipped (e.g. the service does not know them): they were not checked."""
    return [f"{dep['name']} {dep.get('version', '')}".strip() for dep in report.get("dependencies", [])
            if dep.get("skip_reason")]


def run_pip_audit(lock: Path = LOCK) -> Outcome:
    """pip-audit on the lock as it is (pinned, hashed; nothing resolved or installed)."""
    install = subprocess.run([str(SETUP_TOOLS)], capture_output=True, text=True)
    if install.returncode != 0:
        return Outcome(None, "pip-audit could not be installed: " + last_line(install.stderr), unreachable=True)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        run = subprocess.run(
            [str(PIP_AUDIT), "--requirement", str(lock), "--no-deps", "--disable-pip", "--format", "json",
             "--output", str(output), "--progress-spinner", "off"],
            capture_output=True, text=True, timeout=1800,
        )
        if output.exists() and output.read_text().strip():
            return Outcome(json.loads(output.read_text()), run.stderr)
        errors = run.stderr or run.stdout
        return Outcome(None, errors, unreachable=any(sign in errors for sign in UNREACHABLE_SIGNS))


def audit(run: Callable[[], Outcome] = run_pip_audit, accepted_ids: dict[str, str] | None = None,
          required: bool = False, say: Callable[[str], None] = print) -> int:
    """Runs the audit and says what it found; the exit status for make (0 passes)."""
    accepted_ids = accepted() if accepted_ids is None else accepted_ids
    outcome = run()
    if outcome.report is None:
        if not outcome.unreachable:
            say("The dependency audit failed:\n" + outcome.errors[-3000:])
            return 2
        say("DEPENDENCY AUDIT NOT DONE: the vulnerability service could not be reached, so requirements.lock "
            "was NOT checked for known vulnerabilities.\n" + last_line(outcome.errors))
        return 1 if required else 0
    found, skipped = findings(outcome.report), unchecked(outcome.report)
    total = len(outcome.report.get("dependencies", []))
    new = [finding for finding in found if not finding.ids() & set(accepted_ids)]
    for finding in found:
        known = sorted(finding.ids() & set(accepted_ids))
        fix = ", ".join(finding.fixed_in) or "no fixed version"
        verdict = f"accepted: {accepted_ids[known[0]]}" if known else "NOT ACCEPTED"
        say(f"{finding.package} {finding.version}: {finding.id} (fixed in {fix}) - {verdict}")
    gone = sorted(set(accepted_ids) - {vuln_id for finding in found for vuln_id in finding.ids()})
    if gone and len(skipped) < total:
        say("Accepted but no longer found (remove from tools/audit-accepted.txt): " + ", ".join(gone))
    if skipped:
        what = "NOT DONE" if len(skipped) == total else "INCOMPLETE"
        say(f"DEPENDENCY AUDIT {what}: {len(skipped)} of {total} packages could NOT be checked (the vulnerability "
            f"service does not know them or cannot be reached): {', '.join(skipped[:12])}"
            + (" ..." if len(skipped) > 12 else ""))
    if new:
        say(f"{len(new)} known vulnerabilities in requirements.lock are not accepted: upgrade, or accept each "
            "with its reason in tools/audit-accepted.txt.")
        return 1
    if not skipped:
        say(f"Dependency audit: {total} packages checked, no vulnerability that is not accepted.")
    return 1 if required and skipped else 0


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def main() -> None:
    sys.exit(audit(required=config.audit_required()))


if __name__ == "__main__":
    main()
