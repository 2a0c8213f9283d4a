"""The counselor console: a small aiohttp application over the modules beside it.

    python -m bot.console.server [--host 127.0.0.1] [--port 8080]

Every route except /login and /static/ needs a signed-in session; every request that changes
anything must carry the session's CSRF token. Every page view and action goes to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import jinja2
from aiohttp import web

from bot import config, conversations
from bot.channels.names import ANSWER_ONLY
from bot.console import analytics, audit, auth, charts, policy, queue, takeover, transcript
from bot.console.accounts import active_usernames
from bot.crisis import review_notice
from bot.db import get_engine, utcnow
from bot.erasure import erase_person
from bot.escalation.status import alerting
from bot.risk.model import SEVERITIES
from bot.web.limits import client_address

HERE = Path(__file__).parent
SESSION_COOKIE = "steady_console"
LOGIN_COOKIE = "steady_console_login"
PUBLIC_PREFIXES = ("/login", "/static/")
LOGIN_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DONE = {
    "acknowledged": "Acknowledged: the on-call notifications for this escalation have stopped.",
    "assigned": "Assigned.",
    "noted": "Note saved.",
    "resolved": "Resolved.",
    "taken_over": "You are talking to the person now; the assistant is paused.",
    "handed_back": "Handed back: the assistant is talking to the person again.",
    "erased": "Erased: the conversation and usage records are gone; this record is kept without their words.",
}
JINJA = web.AppKey("jinja", jinja2.Environment)
TAKEOVERS = web.AppKey("takeovers", takeover.Takeovers)
log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Work = Callable[[int, auth.Counselor, dict], Awaitable[None]]


# --- helpers ---------------------------------------------------------------------------------


def render(request: web.Request, template: str, status: int = 200, **context: object) -> web.Response:
    counselor = request.get("counselor")
    page = request.app[JINJA].get_template(template).render(counselor=counselor, now=utcnow(), **context)
    return web.Response(text=page, status=status, content_type="text/html")


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def address(request: web.Request) -> str:
    """The client's address; X-Forwarded-For only from a proxy in STEADY_TRUSTED_PROXIES."""
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), config.trusted_proxies())


def counselor_of(request: web.Request) -> auth.Counselor:
    return request["counselor"]


def record(request: web.Request, action: str, escalation_id: int | None = None, detail: str | None = None) -> None:
    audit.record(counselor_of(request).username, action, escalation_id=escalation_id, detail=detail,
                 address=address(request))


MAX_ID = 2**63 - 1  # SQLite's (and PostgreSQL's bigint) largest integer


def escalation_id_of(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise web.HTTPNotFound()
    return int(raw)


def secure_cookies(request: web.Request) -> bool:
    return request.secure or config.console_url().startswith("https://")


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="Strict", secure=secure_cookies(request), path="/")


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def error_response(request: web.Request, status: int, message: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": message}, status=status)
    return render(request, "error.html", status=status, message=message)


# --- middleware ------------------------------------------------------------------------------


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = error_response(request, error.status, error.reason)
    except Exception:
        log.exception("console request failed: %s %s", request.method, request.path)
        response = error_response(request, 500, "Something went wrong on the console's side. Try again.")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Chromium send Origin: null
    response.headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


@web.middleware
async def require_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    counselor = await asyncio.to_thread(auth.current_counselor, request.cookies.get(SESSION_COOKIE))
    if counselor is None:
        if request.method == "GET" and not wants_json(request):
            return see_other("/login")
        return web.json_response({"error": "You are signed out. Sign in again."}, status=401)
    request["counselor"] = counselor
    if request.method not in SAFE_METHODS:
        given = request.headers.get("X-CSRF-Token") or (await request.post()).get("csrf_token")
        if not same_origin(request) or not auth.tokens_match(counselor.csrf_token, str(given or "")):
            return error_response(request, 403, "The security check failed. Reload the page and try again.")
    return await handler(request)


# --- sign in and out -------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    return _login_form(request)


def _login_form(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    # Kept while the browser has one: a second tab or a favicon request must not outdate the form.
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not LOGIN_TOKEN_PATTERN.match(token):
        token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status=status, error=error, login_token=token)
    set_cookie(request, response, LOGIN_COOKIE, token)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not same_origin(request) or not auth.tokens_match(request.cookies.get(LOGIN_COOKIE, ""),
                                                         str(form.get("csrf_token", ""))):
        return _login_form(request, "The sign-in form was out of date. Please try again.", status=403)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    result = await asyncio.to_thread(auth.sign_in, username, password, address(request))
    if isinstance(result, str):
        audit.record(username.strip().lower()[:64] or "(blank)", "sign_in_refused", detail=result,
                     address=address(request))
        return _login_form(request, result, status=401)
    token, counselor = result
    audit.record(counselor.username, "sign_in", address=address(request))
    response = see_other("/")
    set_cookie(request, response, SESSION_COOKIE, token)
    response.del_cookie(LOGIN_COOKIE, path="/")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    record(request, "sign_out")
    await asyncio.to_thread(auth.sign_out, request.cookies.get(SESSION_COOKIE))
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --- queue -----------------------------------------------------------------------------------


async def queue_page(request: web.Request) -> web.Response:
    record(request, "view_queue")
    alerts = auth.repeated_failures() if counselor_of(request).is_supervisor else []
    done = DONE.get(request.query.get("done", ""))
    return render(request, "queue.html", items=queue.active_escalations(), sign_in_alerts=alerts, done=done)


async def queue_rows(request: web.Request) -> web.Response:
    items = queue.active_escalations()
    rows = request.app[JINJA].get_template("_queue_rows.html").render(items=items, now=utcnow())
    return web.json_response({"html": rows, "count": len(items)})


async def close_many(request: web.Request) -> web.StreamResponse:
    """Supervisors close a flood of escalations at once (bot/console/queue.py close_many)."""
    if not counselor_of(request).is_supervisor:
        record(request, "close_many_refused", detail="not a supervisor")
        return error_response(request, 403, "Only supervisors can close escalations in bulk.")
    form = await request.post()
    try:
        ids = queue.parse_ids(str(form.get("ids", "")))
        result = await asyncio.to_thread(queue.close_many, ids, counselor_of(request).username,
                                         str(form.get("note", "")))
    except queue.QueueError as problem:
        return error_response(request, 400, str(problem))
    record(request, "close_many", detail=f"closed {len(result.closed)}, skipped {len(result.skipped)}")
    if wants_json(request):
        return web.json_response({"closed": result.closed, "skipped": result.skipped})
    return see_other("/")


# --- one escalation --------------------------------------------------------------------------


async def escalation_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    escalation_id = escalation_id_of(request)
    escalation = queue.get_escalation(escalation_id)
    if escalation is None:
        raise web.HTTPNotFound(reason=f"There is no escalation #{escalation_id}.")
    refused = policy.refusal_to_view(counselor_of(request), escalation)
    if refused:
        record(request, "view_escalation_refused", escalation_id, refused)
        return error_response(request, 403, refused)
    record(request, "view_escalation", escalation_id)
    pause_problem = await keep_paused(request, escalation)
    runs, checkins = transcript.exercise_history(escalation.pseudonym)
    channel = transcript.latest_input_channel(escalation.conversation_id)
    return render(
        request, "escalation.html", status=status, e=escalation, error=error,
        done=DONE.get(request.query.get("done", "")),
        lines=transcript.lines(escalation.conversation_id, escalation.spans),
        paused=conversations.is_paused(escalation.conversation_id), pause_problem=pause_problem,
        cssrs=transcript.cssrs_summary(escalation.cssrs), runs=runs, checkins=checkins,
        notes=queue.notes(escalation_id), outcomes=queue.OUTCOMES, accounts=active_usernames(),
        channel=channel, cannot_push=channel in ANSWER_ONLY,
    )


async def keep_paused(request: web.Request, escalation: queue.EscalationView) -> str | None:
    """During a takeover, pause Rasa again if it resumed on its own; says what happened, if anything."""
    if not escalation.taken_over_by:
        return None
    try:
        if await request.app[TAKEOVERS].check(escalation.id):
            return ("The assistant had resumed on its own (a restart or a new session); it was paused again "
                    "and the person was told a counselor is still here.")
    except takeover.TakeoverError as problem:
        return f"The assistant may be answering this person: pausing it again failed. {problem}"
    return None


async def _act(request: web.Request, action: str, done: str, work: Work) -> web.StreamResponse:
    """Run one action on an escalation; audit it; redirect back, or show the page with the problem."""
    escalation_id = escalation_id_of(request)
    form = {key: str(value) for key, value in (await request.post()).items()}
    escalation = queue.get_escalation(escalation_id)
    if escalation is None:
        raise web.HTTPNotFound(reason=f"There is no escalation #{escalation_id}.")
    refused = policy.refusal_to_act(counselor_of(request), escalation, action, form.get("assignee"))
    if refused:
        record(request, f"{action}_refused", escalation_id, refused)
        return error_response(request, 403, refused)
    try:
        await work(escalation_id, counselor_of(request), form)
    except (queue.QueueError, takeover.TakeoverError) as problem:
        record(request, f"{action}_refused", escalation_id, str(problem))
        if wants_json(request):
            return web.json_response({"error": str(problem)}, status=409)
        return await escalation_page(request, error=str(problem), status=409)
    record(request, action, escalation_id, _detail(action, form))
    if wants_json(request):
        return web.json_response({"ok": True})
    after = queue.get_escalation(escalation_id)
    if after is not None and policy.refusal_to_view(counselor_of(request), after):
        return see_other(f"/?done={done}")  # e.g. a counselor who just resolved it: the queue, not a refusal
    return see_other(f"/escalations/{escalation_id}?done={done}")


def _detail(action: str, form: dict) -> str | None:
    if action == "assign":
        return f"assigned to {form.get('assignee')}"
    if action == "resolve":
        return f"outcome {form.get('outcome')}"
    return None


async def acknowledge(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, _form: dict) -> None:
        queue.acknowledge_escalation(escalation_id, who.username)
    return await _act(request, "acknowledge", "acknowledged", work)


async def assign(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, form: dict) -> None:
        queue.assign(escalation_id, who.username, form.get("assignee", "") or who.username)
    return await _act(request, "assign", "assigned", work)


async def add_note(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, form: dict) -> None:
        queue.add_note(escalation_id, who.username, form.get("text", ""))
    return await _act(request, "note", "noted", work)


async def resolve(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, form: dict) -> None:
        queue.resolve(escalation_id, who.username, form.get("outcome", ""), form.get("note", ""))
    return await _act(request, "resolve", "resolved", work)


async def erase(request: web.Request) -> web.StreamResponse:
    """Supervisors erase a person's data on their request (bot/erasure.py; escalation kept, redacted)."""
    if not counselor_of(request).is_supervisor:
        record(request, "erase_refused", escalation_id_of(request), "not a supervisor")
        return error_response(request, 403, "Only supervisors can erase a person's data.")

    async def work(escalation_id: int, who: auth.Counselor, form: dict) -> None:
        escalation = queue.get_escalation(escalation_id)
        if escalation is None or escalation.erased:
            raise queue.QueueError("This person's data has already been erased.")
        if form.get("confirm") != "yes":
            raise queue.QueueError("Tick the box to confirm the person asked for their data to be erased.")
        if escalation.taken_over_by:
            raise queue.QueueError("Hand the conversation back before erasing it.")
        erase_person(escalation.conversation_id)

    return await _act(request, "erase", "erased", work)


async def take_over(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, _form: dict) -> None:
        await request.app[TAKEOVERS].take_over(escalation_id, who.username)
    return await _act(request, "takeover", "taken_over", work)


async def send_message(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, form: dict) -> None:
        await request.app[TAKEOVERS].send(escalation_id, who.username, form.get("text", ""))
    return await _act(request, "message", "taken_over", work)


async def hand_back(request: web.Request) -> web.StreamResponse:
    async def work(escalation_id: int, who: auth.Counselor, _form: dict) -> None:
        await request.app[TAKEOVERS].hand_back(escalation_id, who.username, may_end_others=who.is_supervisor)
    return await _act(request, "handback", "handed_back", work)


async def live(request: web.Request) -> web.Response:
    """New lines of the conversation since `after`, and whether the assistant is paused."""
    escalation_id = escalation_id_of(request)
    escalation = queue.get_escalation(escalation_id)
    if escalation is None:
        return web.json_response({"error": f"There is no escalation #{escalation_id}."}, status=404)
    refused = policy.refusal_to_view(counselor_of(request), escalation)
    if refused:
        record(request, "view_live_refused", escalation_id, refused)
        return web.json_response({"error": refused}, status=403)
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        return web.json_response({"error": "'after' must be a whole number."}, status=400)
    pause_problem = await keep_paused(request, escalation)
    new_lines = transcript.lines(escalation.conversation_id, escalation.spans, after_id=after)
    if new_lines:
        record(request, "view_live", escalation_id, f"{len(new_lines)} new line(s)")
    return web.json_response({
        "lines": [line.as_json() for line in new_lines],
        "paused": conversations.is_paused(escalation.conversation_id),
        "taken_over_by": escalation.taken_over_by,
        "mine": escalation.taken_over_by == counselor_of(request).username,
        "pause_problem": pause_problem,
        "status": escalation.status,
    })


# --- analytics and audit ---------------------------------------------------------------------


async def analytics_page(request: web.Request) -> web.Response:
    period = analytics.parse_period(request.query.get("from"), request.query.get("to"), date.today())
    if isinstance(period, str):
        record(request, "view_analytics_refused", detail=period)
        return render(request, "analytics.html", status=400, error=period, query=request.query, period=None)
    record(request, "view_analytics", detail=f"{period.first} to {period.last}")
    figures = analytics.exercise_figures(period)
    per_day = analytics.escalations_per_day(period)
    return render(
        request, "analytics.html", period=period, figures=figures, query=request.query, error=None,
        totals={severity: sum(counts[severity] for _, counts in per_day) for severity in SEVERITIES},
        charts=_charts(figures, per_day),
    )


def _charts(figures: list[analytics.ExerciseFigures], per_day: list) -> dict:
    names = [figure.exercise.replace("_", " ") for figure in figures]
    days = [day.strftime("%d %b") for day, _ in per_day]
    return {
        "runs": charts.bar_chart("Exercise starts and completions", names, [
            charts.Series("Started", "s-start", [figure.starts for figure in figures]),
            charts.Series("Completed", "s-complete", [figure.completions for figure in figures]),
        ]),
        "change": charts.bar_chart("Mean change in distress (after minus before, 0-10 scale)", names, [
            charts.Series("Mean change", "s-change", [figure.mean_change or 0.0 for figure in figures]),
        ], fmt=lambda value: f"{value:+.1f}" if value else "0"),
        "escalations": charts.bar_chart("Escalations per day by severity", days, [
            charts.Series(severity, f"s-{severity}", [counts[severity] for _, counts in per_day])
            for severity in SEVERITIES
        ], stacked=True),
    }


async def audit_page(request: web.Request) -> web.Response:
    if not counselor_of(request).is_supervisor:
        record(request, "view_audit_refused")
        return error_response(request, 403, "Only supervisors can read the audit trail.")
    actor = request.query.get("actor") or None
    try:
        escalation_id = int(request.query["escalation"]) if request.query.get("escalation") else None
        before = int(request.query["before"]) if request.query.get("before") else None
        if any(value is not None and not 0 <= value <= MAX_ID for value in (escalation_id, before)):
            raise ValueError("out of range")
    except ValueError:
        return error_response(request, 400, "The escalation number and 'before' must be whole numbers.")
    record(request, "view_audit", escalation_id, f"actor={actor}" if actor else None)
    rows = audit.entries(actor=actor, escalation_id=escalation_id, before_id=before)
    return render(request, "audit.html", rows=rows, actor=actor or "", escalation=escalation_id,
                  more=len(rows) == audit.PAGE_SIZE)


# --- application -----------------------------------------------------------------------------


def _waiting(value: datetime, now: datetime) -> str:
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"


async def _no_server_header(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.pop("Server", None)


def jinja_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    environment.filters["waiting"] = _waiting
    environment.filters["when"] = lambda value: value.strftime("%Y-%m-%d %H:%M") if value else ""
    environment.globals["helplines_notice"] = review_notice()
    environment.globals["alerting_warning"] = lambda: alerting().warning()  # read on every page
    return environment


def _services(rasa_url: str, rasa_token: str, watch: bool):  # type: ignore[no-untyped-def]
    async def context(app: web.Application):  # type: ignore[no-untyped-def]
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app[TAKEOVERS] = takeover.Takeovers(http, rasa_url, rasa_token)
        watcher = asyncio.create_task(app[TAKEOVERS].watch()) if watch else None
        yield
        if watcher:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await http.close()
    return context


def create_app(rasa_url: str | None = None, rasa_token: str | None = None, watch: bool = True) -> web.Application:
    get_engine()  # the tables exist before the first request
    app = web.Application(middlewares=[security_headers, require_session], client_max_size=64 * 1024)
    app[JINJA] = jinja_environment()
    app.on_response_prepare.append(_no_server_header)
    app.cleanup_ctx.append(_services(rasa_url or config.rasa_url(), rasa_token or config.rasa_api_token(), watch))
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", queue_page)
    app.router.add_get("/queue/rows", queue_rows)
    app.router.add_post("/queue/close", close_many)
    app.router.add_get("/escalations/{id}", escalation_page)
    app.router.add_get("/escalations/{id}/live", live)
    for name, handler in (("acknowledge", acknowledge), ("assign", assign), ("notes", add_note),
                          ("resolve", resolve), ("takeover", take_over), ("messages", send_message),
                          ("handback", hand_back), ("erase", erase)):
        app.router.add_post(f"/escalations/{{id}}/{name}", handler)
    app.router.add_get("/analytics", analytics_page)
    app.router.add_get("/audit", audit_page)
    app.router.add_static("/static/", HERE / "static")
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Steady's counselor console")
    parser.add_argument("--host", default=config.console_host())
    parser.add_argument("--port", type=int, default=config.console_port())
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
