"""The chat widget in a real browser (Debian's chromium, driven by playwright-core from node).

Starts every part of Steady (Rasa with the web chat channel), runs tests/browser/webchat.mjs once,
and reports each of its checks as a test. Screenshots go to tests/artifacts/webchat/.

Needs: the trained model (make test trains it), `apt-get install -y chromium` and
`npm ci --prefix tests/browser`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot import run as steady_run
from bot.config import CONTENT_DIR, REPO_ROOT
from bot.exercises import load_exercises
from tests.integration.test_webchat_channel import start_webchat_steady

pytestmark = [pytest.mark.integration, pytest.mark.browser]

BROWSER_DIR = REPO_ROOT / "tests" / "browser"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "webchat"
CHROMIUM = os.environ.get("STEADY_CHROMIUM", "/usr/bin/chromium")
SCRIPT_TIMEOUT_S = 600
CHECKS = [
    "breathing_exercise_with_the_pacer",
    "reload_keeps_the_conversation",
    "erasing_says_so_after_the_new_chat_connects",
    "risk_message_shows_crisis_resources",
    "urgent_help_link_asks_for_a_person",
    "user_text_is_never_html_even_on_another_site",
    "keyboard_reaches_and_operates_every_control",
    "readable_on_a_phone",
    "reduced_motion_keeps_the_words_and_countdown_still",
    "progress_chart_after_an_exercise",
    "progress_chart_survives_bad_data",
    "body_scan_is_paced_line_by_line",
    "the_session_secret_comes_from_steady",
]
SCREENSHOTS = [
    "01-greeting.png",
    "02-pacer.png",
    "03-exercise-done.png",
    "04-after-reload.png",
    "05-crisis-resources.png",
    "06-xss-on-another-site.png",
    "07-keyboard-focus.png",
    "08-phone.png",
    "09-reduced-motion.png",
    "10-progress-chart.png",
    "11-progress-chart-after-reload.png",
    "12-progress-chart-bad-data.png",
    "13-body-scan-paced.png",
]


def missing_tools() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"No chromium at {CHROMIUM}: apt-get update && apt-get install -y chromium"
    if shutil.which("node") is None:
        return "No node: apt-get install -y nodejs npm"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").exists():
        return "playwright-core is not installed: npm ci --prefix tests/browser"
    return None


def expectations() -> dict[str, list[str]]:
    helplines = yaml.safe_load((CONTENT_DIR / "helplines.yml").read_text())
    scan = next(step for step in load_exercises()["body_scan"].steps if step.kind == "guide")
    return {
        "gb_contacts": [service["contact"] for service in helplines["countries"]["GB"]["services"]],
        "body_scan": [str(line["say"]) for line in scan.lines],
    }


@pytest.fixture(scope="module")
def browser_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict]]:
    problem = missing_tools()
    if problem:
        pytest.fail(problem)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    servers, _token = start_webchat_steady(tmp_path_factory.mktemp("webchat-browser-var"))
    try:
        env = {
            **os.environ,
            "STEADY_WEB_URL": f"http://127.0.0.1:{servers.ports.web}",
            "STEADY_ARTIFACTS": str(ARTIFACTS),
            "STEADY_EXPECT": json.dumps(expectations()),
            "CHROMIUM": CHROMIUM,
        }
        run = subprocess.run(
            ["node", "webchat.mjs"],
            cwd=BROWSER_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
        )
        print(run.stdout, run.stderr)
        results_file = ARTIFACTS / "results.json"
        assert results_file.exists(), f"the browser script wrote no results:\n{run.stdout}\n{run.stderr}"
        yield {result["name"]: result for result in json.loads(results_file.read_text())}
    finally:
        steady_run.stop(servers.parts)


@pytest.mark.parametrize("check", CHECKS)
def test_widget_in_a_real_browser(browser_run: dict[str, dict], check: str) -> None:
    result = browser_run.get(check)
    assert result is not None, f"{check} did not run"
    assert result["ok"], result.get("error")


def test_screenshots_are_saved_as_artifacts(browser_run: dict[str, dict]) -> None:
    for name in SCREENSHOTS:
        image = ARTIFACTS / name
        assert image.exists(), f"{name} was not taken"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 5_000
