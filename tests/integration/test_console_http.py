"""The console over real HTTP: a real aiohttp server on loopback, a private SQLite file, a real client.

Rasa is not started here (tests/integration/test_console_takeover.py does that); the console is
pointed at a closed loopback port, which is what it meets when Rasa is down.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select, text

from bot.console import passwords, server
from bot.console.accounts import set_disabled
from bot.db import AuditEntry, Escalation, EscalationNote, NotificationAttempt, Takeover, session_scope
from bot.erasure import erase_person
from tests.support.console import (
    PASSWORD,
    Turn,
    accounts,
    backdate,
    hit,
    open_escalation,
    save_conversation,
)
from tests.support.servers import free_port
from tests.support.steady_env import SteadyPaths, write_oncall

pytestmark = pytest.mark.integration

SCRIPT = '<script>alert("owned")</script>'
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Reply:
    status: int
    text: str
    headers: dict

    def json(self) -> dict:
        import json

        return json.loads(self.text)


class Browser:
    """A cookie-keeping HTTP client, as a browser would be (redirects are not followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def request(self, method: str, path: str, **kwargs) -> Reply:  # type: ignore[no-untyped-def]
        async with self.http.request(method, self.base + path, allow_redirects=False, **kwargs) as response:
            headers = {key: ", ".join(response.headers.getall(key)) for key in response.headers}
            return Reply(response.status, await response.text(), headers)

    async def get(self, path: str, json: bool = False) -> Reply:
        return await self.request("GET", path, headers={"Accept": "application/json"} if json else {})

    async def post(
        self, path: str, data: dict | None = None, *, token: str | None = None, headers: dict | None = None
    ) -> Reply:
        form = {**(data or {}), **({"csrf_token": self.csrf if token is None else token} if token != "" else {})}
        return await self.request("POST", path, data=form, headers=headers or {})

    async def sign_in(self, username: str, password: str = PASSWORD) -> Reply:
        page = await self.get("/login")
        token = LOGIN_TOKEN.search(page.text).group(1)
        reply = await self.post("/login", {"username": username, "password": password}, token=token)
        if reply.status == 303:
            self.csrf = CSRF_META.search((await self.get("/")).text).group(1)
        return reply

    async def close(self) -> None:
        await self.http.close()


@pytest_asyncio.fixture
async def console(steady_env: SteadyPaths, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(passwords, "N", 2**10)  # speed only; the real cost is checked in test_console_auth
    accounts(("sam", "counselor"), ("cal", "counselor"), ("sue", "supervisor"))
    app = server.create_app(rasa_url=f"http://127.0.0.1:{free_port()}", rasa_token="unused", watch=False)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest_asyncio.fixture
async def browser(console: str) -> AsyncIterator[Browser]:
    client = Browser(console)
    yield client
    await client.close()


async def signed_in(console: str, username: str) -> Browser:
    client = Browser(console)
    assert (await client.sign_in(username)).status == 303
    return client


@pytest_asyncio.fixture
async def sam(console: str) -> AsyncIterator[Browser]:
    """Sam, a counselor, signed in."""
    client = await signed_in(console, "sam")
    yield client
    await client.close()


@pytest_asyncio.fixture
async def sue(console: str) -> AsyncIterator[Browser]:
    """Sue, a supervisor (counselors only take unassigned escalations themselves), signed in."""
    client = await signed_in(console, "sue")
    yield client
    await client.close()


def routes() -> list[tuple[str, str]]:
    """Every route the console serves, with {id} filled in."""
    app = server.create_app(rasa_url="http://127.0.0.1:9", rasa_token="x", watch=False)
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if route.method in ("GET", "POST") and path:
            found.append((route.method, path.replace("{id}", "1")))
    return found


def escalation_with_words(words: str = "i want to kill myself", severity: str = "high") -> tuple[int, str]:
    conversation = f"conv-{severity}-{abs(hash(words))}"
    turns = [Turn(words, [hit(words, "kill myself", severity)], bot="I'm glad you told me.")]
    save_conversation(conversation, turns)
    return open_escalation(conversation, severity, turns), conversation


# --- every route needs a session -------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_route_but_login_and_static_refuses_a_visitor_without_a_session(browser: Browser) -> None:
    await asyncio.to_thread(escalation_with_words)
    checked = []
    for method, path in routes():
        if path.startswith("/static"):
            continue
        if path == "/login":
            assert (await browser.request(method, path)).status in (200, 403)
            continue
        page = await browser.request(method, path)
        as_api = await browser.request(method, path, headers={"Accept": "application/json"})
        if method == "GET":
            assert page.status == 303 and page.headers["Location"] == "/login", path
        else:
            assert page.status == 401, path
        assert as_api.status == 401 and "kill myself" not in page.text + as_api.text, path
        checked.append(path)
    assert {
        "/",
        "/escalations/1",
        "/escalations/1/live",
        "/audit",
        "/analytics",
        "/escalations/1/resolve",
        "/escalations/1/takeover",
        "/escalations/1/messages",
    } <= set(checked)


@pytest.mark.asyncio
async def test_the_login_page_and_static_files_are_public(browser: Browser) -> None:
    assert (await browser.get("/login")).status == 200
    script = await browser.get("/static/console.js")
    assert script.status == 200 and "fetch(" in script.text
    assert (await browser.get("/static/console.css")).status == 200


@pytest.mark.asyncio
async def test_unknown_paths_need_a_session_too(browser: Browser) -> None:
    reply = await browser.get("/no-such-page")
    assert reply.status == 303 and reply.headers["Location"] == "/login"


# --- sign in, cookies, lockout ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_signing_in_sets_an_httponly_samesite_strict_cookie_and_out_ends_the_session(browser: Browser) -> None:
    page = await browser.get("/login")
    token = LOGIN_TOKEN.search(page.text).group(1)
    reply = await browser.post("/login", {"username": "sam", "password": PASSWORD}, token=token)
    assert reply.status == 303 and reply.headers["Location"] == "/"
    cookie = reply.headers["Set-Cookie"]
    assert "steady_console=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie.split("steady_console=")[1].split(",")[0], "plain http on loopback"
    browser.csrf = CSRF_META.search((await browser.get("/")).text).group(1)
    assert (await browser.post("/logout")).status == 303
    assert (await browser.get("/")).status == 303


@pytest.mark.asyncio
async def test_the_cookie_is_secure_when_the_console_is_served_over_https(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADY_CONSOLE_URL", "https://console.example.org")
    reply = await browser.sign_in("sam")
    assert "Secure" in reply.headers["Set-Cookie"]


@pytest.mark.asyncio
async def test_a_wrong_password_is_refused_without_saying_whether_the_account_exists(browser: Browser) -> None:
    wrong = await browser.sign_in("sam", "not the password at all")
    unknown = await browser.sign_in("nobody", "not the password at all")
    assert wrong.status == unknown.status == 401
    assert "do not match an active account" in wrong.text and "do not match an active account" in unknown.text


@pytest.mark.asyncio
async def test_five_failures_lock_the_account_even_for_the_right_password(console: str, browser: Browser) -> None:
    for _ in range(5):
        assert (await browser.sign_in("sam", "wrong password here")).status == 401
    locked = await browser.sign_in("sam")
    assert locked.status == 401 and "Too many failed sign-ins" in locked.text
    other = Browser(console)
    assert (await other.sign_in("cal")).status == 303, "another account from the same address still works"
    await other.close()


@pytest.mark.asyncio
async def test_many_failures_from_one_address_slow_that_address_down(browser: Browser) -> None:
    from bot.console.auth import MAX_FAILURES_PER_ADDRESS

    for number in range(MAX_FAILURES_PER_ADDRESS):
        await browser.sign_in(f"guess{number}", "wrong password here")
    locked = await browser.sign_in("cal")
    assert locked.status == 401 and "Too many failed sign-ins" in locked.text


@pytest.mark.asyncio
async def test_a_disabled_account_is_signed_out_at_once(sam: Browser) -> None:
    await asyncio.to_thread(set_disabled, "sam", True)
    assert (await sam.get("/")).status == 303
    assert (await sam.sign_in("sam")).status == 401


# --- CSRF --------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_every_state_changing_route_refuses_a_request_without_the_csrf_token(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    posts = [
        path.replace("/1/", f"/{escalation_id}/") for method, path in routes() if method == "POST" and path != "/login"
    ]
    assert len(posts) >= 8
    for path in posts:
        data = {"text": "hello", "outcome": "person_left", "note": "n", "assignee": "sam"}
        assert (await sam.post(path, data, token="")).status == 403, path
        assert (await sam.post(path, data, token="forged-token")).status == 403, path
        header_only = await sam.request(
            "POST", path, data=data, headers={"X-CSRF-Token": "forged", "Accept": "application/json"}
        )
        assert header_only.status == 403, path
    cross_site = await sam.post(
        f"/escalations/{escalation_id}/notes", {"text": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status == 403
    with session_scope() as session:
        escalation = session.get(Escalation, escalation_id)
        assert escalation.status == "open" and session.query(EscalationNote).count() == 0
    assert (await sam.get("/")).status == 200, "still signed in: logout needs the token too"


@pytest.mark.asyncio
async def test_the_csrf_token_in_a_header_is_accepted_for_fetch_calls(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    reply = await sam.request(
        "POST",
        f"/escalations/{escalation_id}/notes",
        data={"text": "called back"},
        headers={"X-CSRF-Token": sam.csrf, "Accept": "application/json"},
    )
    assert reply.status == 200 and reply.json() == {"ok": True}


@pytest.mark.asyncio
async def test_the_login_form_stays_valid_when_the_browser_fetches_another_page_meanwhile(browser: Browser) -> None:
    token = LOGIN_TOKEN.search((await browser.get("/login")).text).group(1)
    await browser.get("/favicon.ico")  # redirected to /login, as a browser's favicon request is
    await browser.get("/login")  # a second tab
    reply = await browser.post("/login", {"username": "sam", "password": PASSWORD}, token=token)
    assert reply.status == 303 and reply.headers["Location"] == "/"


@pytest.mark.asyncio
async def test_signing_in_needs_the_login_forms_token(browser: Browser) -> None:
    await browser.get("/login")
    reply = await browser.post("/login", {"username": "sam", "password": PASSWORD}, token="made-up")
    assert reply.status == 403 and "steady_console=" not in reply.headers.get("Set-Cookie", "").replace(
        "steady_console_login", ""
    )


# --- escaping ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_script_in_the_transcript_and_in_notes_is_shown_as_text(sam: Browser) -> None:
    words = f"i want to kill myself {SCRIPT}"
    escalation_id, _ = await asyncio.to_thread(escalation_with_words, words)
    await sam.post(f"/escalations/{escalation_id}/notes", {"text": f"note {SCRIPT}"})
    page = await sam.get(f"/escalations/{escalation_id}")
    assert page.status == 200
    assert SCRIPT not in page.text
    assert page.text.count("&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;") == 2
    assert "<mark>kill myself</mark>" in page.text
    live = await sam.get(f"/escalations/{escalation_id}/live?after=0", json=True)
    htmls = " ".join(line["html"] for line in live.json()["lines"])
    assert SCRIPT not in htmls and "&lt;script&gt;" in htmls and "<mark>kill myself</mark>" in htmls


@pytest.mark.asyncio
async def test_pages_forbid_inline_scripts_and_framing(sam: Browser) -> None:
    headers = (await sam.get("/")).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


# --- the queue and actions -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_queue_lists_most_severe_first_then_longest_waiting(sam: Browser) -> None:
    now = datetime.utcnow()
    moderate_old = await asyncio.to_thread(open_escalation, "c-1", "moderate")
    high_new = await asyncio.to_thread(open_escalation, "c-2", "high")
    imminent = await asyncio.to_thread(open_escalation, "c-3", "imminent")
    high_old = await asyncio.to_thread(open_escalation, "c-4", "high")
    for escalation_id, minutes in ((moderate_old, 90), (high_new, 5), (imminent, 1), (high_old, 30)):
        await asyncio.to_thread(backdate, escalation_id, now - timedelta(minutes=minutes))
    rows = (await sam.get("/queue/rows", json=True)).json()
    order = [int(number) for number in re.findall(r'href="/escalations/(\d+)"', rows["html"])]
    assert order == [imminent, high_old, high_new, moderate_old] and rows["count"] == 4


@pytest.mark.asyncio
async def test_acknowledging_cancels_the_pending_notifications(steady_env: SteadyPaths, sam: Browser) -> None:
    write_oncall(steady_env.oncall_file, {"primary": [{"name": "Pager", "webhook_url": "http://127.0.0.1:9/hook"}]})
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    reply = await sam.post(f"/escalations/{escalation_id}/acknowledge")
    assert reply.status == 303
    with session_scope() as session:
        statuses = (
            session.execute(
                select(NotificationAttempt.status).where(NotificationAttempt.escalation_id == escalation_id)
            )
            .scalars()
            .all()
        )
        escalation = session.get(Escalation, escalation_id)
        assert statuses == ["cancelled"] and escalation.status == "acknowledged" and escalation.assignee == "sam"


@pytest.mark.asyncio
async def test_assigning_to_another_counselor_and_to_nobody_real(sue: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    assert (await sue.post(f"/escalations/{escalation_id}/assign", {"assignee": "cal"})).status == 303
    refused = await sue.post(f"/escalations/{escalation_id}/assign", {"assignee": "mallory"})
    assert refused.status == 409 and "not an active console account" in refused.text
    with session_scope() as session:
        assert session.get(Escalation, escalation_id).assignee == "cal"


@pytest.mark.asyncio
async def test_an_imminent_escalation_cannot_be_resolved_without_a_note(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words, "i will kill myself tonight", "imminent")
    refused = await sam.post(f"/escalations/{escalation_id}/resolve", {"outcome": "reached_person", "note": "  "})
    assert refused.status == 409 and "write a note" in refused.text
    with session_scope() as session:
        assert session.get(Escalation, escalation_id).status != "resolved"
    done = await sam.post(
        f"/escalations/{escalation_id}/resolve",
        {"outcome": "emergency_services", "note": "Ambulance sent; stayed on the line."},
    )
    assert done.status == 303
    with session_scope() as session:
        escalation = session.get(Escalation, escalation_id)
        note = session.query(EscalationNote).filter_by(escalation_id=escalation_id).one()
        assert (escalation.status, escalation.outcome) == ("resolved", "emergency_services")
        assert (note.kind, note.author) == ("resolution", "sam")


@pytest.mark.asyncio
async def test_a_lower_severity_resolves_without_a_note_but_needs_a_known_outcome(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words, "i want to kill myself", "moderate")
    assert (await sam.post(f"/escalations/{escalation_id}/resolve", {"outcome": "fixed"})).status == 409
    assert (await sam.post(f"/escalations/{escalation_id}/resolve", {"outcome": "person_left"})).status == 303
    rows = (await sam.get("/queue/rows", json=True)).json()
    assert rows["count"] == 0


@pytest.mark.asyncio
async def test_taking_over_while_rasa_is_down_says_so_and_changes_nothing(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    reply = await sam.post(f"/escalations/{escalation_id}/takeover")
    assert reply.status == 409 and "not answering" in reply.text
    with session_scope() as session:
        assert session.query(Takeover).count() == 0
    message = await sam.post(f"/escalations/{escalation_id}/messages", {"text": "hello"})
    assert message.status == 409 and "Take over the conversation" in message.text


@pytest.mark.asyncio
async def test_a_takeover_whose_pause_cannot_be_restored_is_flagged_not_crashed(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    with session_scope() as session:  # a takeover is open, but the tracker shows no pause and Rasa is down
        session.add(Takeover(escalation_id=escalation_id, counselor="sam"))
    page = await sam.get(f"/escalations/{escalation_id}")
    assert page.status == 200 and "pausing it again failed" in page.text
    live = (await sam.get(f"/escalations/{escalation_id}/live?after=0", json=True)).json()
    assert "pausing it again failed" in live["pause_problem"] and live["paused"] is False and live["mine"] is True


@pytest.mark.asyncio
async def test_an_erased_conversation_shows_no_words_and_cannot_be_taken_over(sam: Browser) -> None:
    escalation_id, conversation = await asyncio.to_thread(escalation_with_words)
    await asyncio.to_thread(erase_person, conversation)
    page = await sam.get(f"/escalations/{escalation_id}")
    assert page.status == 200 and "kill myself" not in page.text and 'id="take-over"' not in page.text
    refused = await sam.post(f"/escalations/{escalation_id}/takeover")
    assert refused.status == 409 and "erased at their request" in refused.text


@pytest.mark.asyncio
async def test_an_unknown_escalation_is_a_clear_404(sam: Browser) -> None:
    reply = await sam.get("/escalations/999")
    assert reply.status == 404 and "no escalation #999" in reply.text
    assert (await sam.get("/escalations/abc")).status == 404


# --- roles and audit -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_counselors_cannot_read_the_audit_trail_and_supervisors_can(sam: Browser, sue: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    await sam.get(f"/escalations/{escalation_id}")
    await sam.post(f"/escalations/{escalation_id}/notes", {"text": "tried to call"})
    refused = await sam.get("/audit")
    assert refused.status == 403 and "Only supervisors" in refused.text
    assert 'href="/audit"' not in (await sam.get("/")).text
    trail = await sue.get(f"/audit?actor=sam&escalation={escalation_id}")
    assert trail.status == 200
    assert "view escalation" in trail.text and ">note<" in trail.text
    assert (await sue.get("/audit?escalation=abc")).status == 400
    with session_scope() as session:
        actions = [(row.actor, row.action) for row in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert ("sam", "sign_in") in actions and ("sam", "view_audit_refused") in actions
    assert ("sue", "view_audit") in actions


@pytest.mark.asyncio
async def test_a_script_typed_as_a_username_is_shown_as_text_in_the_audit_trail(browser: Browser, sue: Browser) -> None:
    await browser.sign_in(SCRIPT, "whatever it is")
    trail = await sue.get("/audit")
    assert "sign in refused" in trail.text and SCRIPT.lower() not in trail.text.lower()
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in trail.text


@pytest.mark.asyncio
async def test_every_view_and_action_is_recorded_with_who(sam: Browser) -> None:
    escalation_id, _ = await asyncio.to_thread(escalation_with_words)
    await sam.get("/")
    await sam.get(f"/escalations/{escalation_id}")
    await sam.post(f"/escalations/{escalation_id}/acknowledge")
    await sam.get("/analytics")
    with session_scope() as session:
        rows = [
            (row.action, row.escalation_id, row.created_at, row.address)
            for row in session.query(AuditEntry).filter_by(actor="sam")
        ]
    recorded = {(action, escalation) for action, escalation, _, _ in rows}
    assert {
        ("view_queue", None),
        ("view_escalation", escalation_id),
        ("acknowledge", escalation_id),
        ("view_analytics", None),
    } <= recorded
    assert all(created and address == "127.0.0.1" for _, _, created, address in rows)


# --- analytics -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_analytics_explains_a_bad_period(sam: Browser) -> None:
    for query, message in (
        ("from=2024-13-01", "is not a date"),
        ("from=2024-05-02&to=2024-05-01", "after the end"),
        ("from=2020-01-01&to=2024-01-01", "at most 366 days"),
    ):
        reply = await sam.get(f"/analytics?{query}")
        assert reply.status == 400 and message in reply.text, query
    good = await sam.get("/analytics?from=2024-05-01&to=2024-05-07")
    assert good.status == 200 and good.text.count("<svg") == 1, "escalation chart only: no exercise in May 2024"


@pytest.mark.asyncio
async def test_only_a_supervisor_erases_a_persons_data_and_the_record_stays_redacted(
    sam: Browser, sue: Browser
) -> None:
    escalation_id, conversation = await asyncio.to_thread(escalation_with_words, "i want to kill myself", "high")
    assert (await sam.post(f"/escalations/{escalation_id}/erase", {"confirm": "yes"})).status == 403
    unconfirmed = await sue.post(f"/escalations/{escalation_id}/erase", {})
    assert unconfirmed.status == 409 and "confirm" in unconfirmed.text
    assert (await sue.post(f"/escalations/{escalation_id}/erase", {"confirm": "yes"})).status == 303
    with session_scope() as session:
        escalation = session.get(Escalation, escalation_id)
        assert escalation.spans == [] and escalation.conversation_id.startswith("erased:")
        left = session.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": conversation})
        assert left.scalar() == 0
        actions = [(row.actor, row.action) for row in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert ("sam", "erase_refused") in actions and ("sue", "erase") in actions
    page = await sue.get(f"/escalations/{escalation_id}")
    assert "kill myself" not in page.text
