"""Live takeover against the REAL Rasa server and action server, with the console as its own process.

A person raises risk through the chat page's API; a counselor signs in to the console
(`python -m bot.console.server`), takes over, writes, reads the person's reply in the live feed,
and hands back. The tracker is read through Rasa's own HTTP API. Starting Rasa takes about a minute.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import config
from bot import run as steady_run
from bot.console.accounts import create_account
from bot.db import AuditEntry, Escalation, Takeover, engine_for, session_scope
from bot.pseudonym import pseudonymise
from tests.integration.test_webchat_channel import start_webchat_steady
from tests.support.console import PASSWORD
from tests.support.servers import Steady, free_port, post_json, private_steady_env

pytestmark = pytest.mark.integration

RISK_MESSAGE = "i've been thinking about killing myself"
WAIT_S = 30


@dataclass
class Live:
    steady: Steady
    token: str
    console_url: str
    console: subprocess.Popen

    def rasa(self, path: str) -> Any:
        url = f"http://127.0.0.1:{self.steady.ports.rasa}{path}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def tracker(self, conversation_id: str) -> dict:
        return self.rasa(f"/conversations/{conversation_id}/tracker?include_events=ALL")

    def rest(self, sender: str, text: str) -> list[dict]:
        """A message straight to Rasa's REST channel (bypassing the chat page's checks)."""
        url = f"http://127.0.0.1:{self.steady.ports.rasa}/webhooks/rest/webhook"
        return post_json(url, {"sender": sender, "message": text})


def wait_for(check, what: str, timeout: float = WAIT_S):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def start_console(env: dict[str, str], log_dir: Path) -> tuple[str, subprocess.Popen]:
    port = free_port()
    log = (log_dir / "console.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.console.server", "--port", str(port)],
        cwd=config.REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: steady_run.answers(f"{url}/login"), "the console to answer")
    return url, process


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    var_dir = tmp_path_factory.mktemp("console-var")
    # This process reads and writes the same database and secrets as the servers.
    with private_steady_env(var_dir, pseudonym_key="webchat-test-key") as env:
        config.encryption_key()  # made once, here, before several processes could race to create it
        engine_for(env["STEADY_DATABASE_URL"])
        create_account("sam", "counselor", PASSWORD, display_name="Sam")
        create_account("sue", "supervisor", PASSWORD)
        steady, token = start_webchat_steady(var_dir)  # Rasa with the REST and web chat channels and its API
        console_env = {**steady_run.environment(steady.ports), **env, "STEADY_RASA_API_TOKEN": token}
        try:
            console_url, console = start_console(console_env, var_dir)
        except BaseException:
            steady_run.stop(steady.parts)
            raise
        yield Live(steady, token, console_url, console)
        steady_run.stop([*steady.parts, steady_run.Part("console", [], process=console)])


class Counselor:
    """The console from a counselor's side: a cookie jar, the CSRF token, form posts."""

    def __init__(self, base: str, username: str) -> None:
        import http.cookiejar

        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/login")
        login_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.post("/login", {"csrf_token": login_token, "username": username, "password": PASSWORD})
        self.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', self.get("/")).group(1)

    def get(self, path: str, accept: str = "text/html") -> str:
        request = urllib.request.Request(self.base + path, headers={"Accept": accept})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, form: dict[str, str], accept: str = "text/html") -> str:
        from urllib.parse import urlencode

        data = {**form, "csrf_token": form.get("csrf_token", getattr(self, "csrf", ""))}
        request = urllib.request.Request(
            self.base + path, data=urlencode(data).encode(), method="POST", headers={"Accept": accept}
        )
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()

    def live(self, escalation_id: int, after: int = 0) -> dict:
        return json.loads(self.get(f"/escalations/{escalation_id}/live?after={after}", accept="application/json"))


def escalation_for(conversation_id: str) -> Escalation:
    def find() -> Escalation | None:
        with session_scope() as session:
            row = session.query(Escalation).filter(Escalation.pseudonym == pseudonymise(conversation_id)).first()
            if row is not None:
                session.expunge(row)
            return row

    return wait_for(find, "the escalation to be recorded")


def post_and_watch(live: Live, counselor: Counselor, person: str, path: str) -> tuple[dict, list[dict]]:
    """Post a console action; returns the person's tracker after it and the events the action added."""
    before = len(live.tracker(person)["events"])
    counselor.post(path, {})
    tracker = live.tracker(person)
    return tracker, tracker["events"][before:]


def test_a_counselor_takes_over_talks_and_hands_back_through_the_real_rasa_server(live: Live) -> None:
    person = uuid.uuid4().hex
    live.steady.say(person, text="hi")
    live.steady.say(person, text=RISK_MESSAGE)
    escalation = escalation_for(person)
    sam = Counselor(live.console_url, "sam")
    page = sam.get(f"/escalations/{escalation.id}")
    assert "killing myself" in page
    said = next(event for event in live.tracker(person)["events"] if event.get("text") == RISK_MESSAGE)
    for hit in (said["parse_data"].get("risk") or {}).get("hits") or []:  # once the model has the risk detector
        assert f"<mark>{html.escape(hit['text'], quote=False)}</mark>" in page

    tracker, added = post_and_watch(live, sam, person, f"/escalations/{escalation.id}/takeover")
    assert tracker["paused"] is True
    assert [event["event"] for event in added][:2] == ["pause", "bot"]
    assert added[1]["text"].startswith("Sam, a counselor from Steady's team, has joined this conversation")
    with session_scope() as session:
        assert session.get(Escalation, escalation.id).status == "acknowledged"

    reply = sam.post(
        f"/escalations/{escalation.id}/messages", {"text": "Hi, I'm Sam. I'm here with you."}, accept="application/json"
    )
    assert json.loads(reply) == {"ok": True}
    bot_events = [event for event in live.tracker(person)["events"] if event["event"] == "bot"]
    assert bot_events[-1]["text"] == "Hi, I'm Sam. I'm here with you."
    assert bot_events[-1]["metadata"]["counselor"] == "sam"

    last_seen = sam.live(escalation.id)["lines"][-1]["id"]
    answer = live.steady.say(person, text="thank you. i'm scared")
    assert answer == [], "the paused assistant does not answer"
    feed = sam.live(escalation.id, after=last_seen)
    assert [line["kind"] for line in feed["lines"]] == ["user"] and "i&#39;m scared" in feed["lines"][0]["html"]
    assert feed["paused"] is True and feed["taken_over_by"] == "sam" and feed["mine"] is True

    tracker, added = post_and_watch(live, sam, person, f"/escalations/{escalation.id}/handback")
    assert tracker["paused"] is False
    assert [event["event"] for event in added][:2] == ["resume", "bot"]
    assert added[1]["text"].startswith("Sam has left the conversation")
    assert live.steady.say(person, text="hello again"), "the assistant answers again"
    with session_scope() as session:
        actions = {row.action for row in session.query(AuditEntry).filter_by(actor="sam", escalation_id=escalation.id)}
        assert {"view_escalation", "takeover", "message", "view_live", "handback"} <= actions
        assert session.query(Takeover).filter_by(escalation_id=escalation.id).one().ended_at is not None


def test_a_restart_the_counselor_did_not_ask_for_is_paused_again(live: Live) -> None:
    person = uuid.uuid4().hex
    live.steady.say(person, text=RISK_MESSAGE)
    escalation = escalation_for(person)
    sam = Counselor(live.console_url, "sam")
    sam.post(f"/escalations/{escalation.id}/takeover", {})
    assert live.tracker(person)["paused"] is True
    live.rest(person, "/restart")  # Rasa 3.6 handles its built-in restart intent even while paused
    tracker = wait_for(lambda: (t := live.tracker(person))["paused"] and t, "the console to pause again")
    texts = [event.get("text") or "" for event in tracker["events"] if event["event"] == "bot"]
    assert texts[-1].startswith("You are still talking with Sam, a counselor from Steady's team")
    with session_scope() as session:
        assert session.query(Takeover).filter_by(escalation_id=escalation.id).one().repauses == 1
        assert session.query(AuditEntry).filter_by(action="takeover_repaused", escalation_id=escalation.id).count() == 1
    sue = Counselor(live.console_url, "sue")
    sue.post(f"/escalations/{escalation.id}/handback", {})  # a supervisor may end someone else's takeover
    assert live.tracker(person)["paused"] is False


def playwright_core() -> str | None:
    """A node_modules folder holding playwright-core (the widget's browser tests install it)."""
    candidates = [config.REPO_ROOT / "tests" / "browser" / "node_modules", config.REPO_ROOT / "node_modules"]
    candidates += [Path(folder) for folder in os.environ.get("NODE_PATH", "").split(os.pathsep) if folder]
    return next((str(folder) for folder in candidates if (folder / "playwright-core").is_dir()), None)


@pytest.mark.browser
def test_the_whole_flow_in_a_real_browser(live: Live) -> None:
    """Widget and console in Debian's chromium; the steps are in test_console_browser.cjs."""
    chromium, node, modules = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("node"), playwright_core()
    if not Path(chromium).exists() or node is None or modules is None:
        pytest.skip("needs chromium (apt-get install -y chromium), node and playwright-core (tests/browser/)")
    artifacts = config.REPO_ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "NODE_PATH": modules,
        "CHROMIUM": chromium,
        "ARTIFACTS": str(artifacts),
        "WEB_URL": f"http://127.0.0.1:{live.steady.ports.web}",
        "CONSOLE_URL": live.console_url,
        "USERNAME": "sam",
        "PASSWORD": PASSWORD,
    }
    script = Path(__file__).with_name("test_console_browser.cjs")
    result = subprocess.run([node, str(script)], env=env, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\nscreenshots: {artifacts}"
    with session_scope() as session:
        [escalation] = session.query(Escalation).filter(Escalation.channel == "webchat").all()
        assert (escalation.status, escalation.outcome, escalation.assignee) == ("resolved", "reached_person", "sam")
        assert session.query(Takeover).filter_by(escalation_id=escalation.id).one().ended_at is not None
        conversation_id = escalation.conversation_id
    assert live.tracker(conversation_id)["paused"] is False
