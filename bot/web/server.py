"""The people-facing web server: the chat widget, its demo page, and the only way in to Rasa.

Rasa stays on loopback. This server passes the widget's socket.io traffic (and nothing else of
Rasa's) through at /socket.io/, serves the widget (/widget.js, /widget.css), the conversation
history the widget shows after a reload (/api/history) and a small JSON chat API (/api/messages)
used by scripts and the HTTP integration tests.

Typed text that starts with "/" would be read by Rasa as a forced intent ("/deny"), so typed text
and claimed button presses go through bot/channels/inbound.py here, as in every other channel.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot import config, conversations, payloads
from bot.channels import inbound
from bot.channels.names import CHAT_PAGE
from bot.db import engine_for
from bot.erasure import erase_person
from bot.rasa_api import rasa_url_for
from bot.web import limits

STATIC = Path(__file__).parent / "static"
MAX_HISTORY_MESSAGES = 200
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
RASA_URL = web.AppKey("rasa_url", str)
REST_URLS = web.AppKey("rest_urls", list)  # every Rasa server; a conversation always goes to the same one
ALLOW_ORIGIN = web.AppKey("allow_origin", str)
HTTP = web.AppKey("http", aiohttp.ClientSession)
LIMITER = web.AppKey("limiter", limits.RateLimiter)
TRUSTED_PROXIES = web.AppKey("trusted_proxies", frozenset)
JSON_ROUTES = ("/api/messages", "/api/history", "/api/erase")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
DEMO_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
logger = logging.getLogger(__name__)


# -- the JSON chat API (kept for scripts and the HTTP integration tests)


def message_from(body: Any, offered: Iterable[str] = ()) -> tuple[str, str] | str:
    """(sender, text for Rasa) from a request body, or a plain-language reason it cannot be used.

    A payload is passed on only if it is a button Steady offered in its latest turn (`offered`) or
    one of the channel's commands; anything else is typed text (bot/channels/inbound.py)."""
    if not isinstance(body, dict):
        return "Send JSON with 'sender' and 'text' (or 'payload')."
    sender = page_sender(body.get("sender"))
    if sender is None:
        return "The conversation id is missing or malformed; reload the page to start a new one."
    payload, typed = body.get("payload"), body.get("text")
    said = payload if isinstance(payload, str) and payload else typed
    if not isinstance(said, str):
        return "Please type a message."
    if inbound.too_long(said):
        return f"That message is too long for me ({len(said)} characters; the limit is {inbound.MAX_MESSAGE_CHARS})."
    button = inbound.button_payload(said, offered) if said is payload else None
    text = button or inbound.typed_text(said)
    return (sender, text) if text else "Please type a message."


def claims_offered_button(body: Any) -> str | None:
    """The sender whose latest buttons must be read: the body claims a payload that is not a channel command."""
    if not isinstance(body, dict) or not isinstance(body.get("payload"), str):
        return None
    if body["payload"].strip() in inbound.CHANNEL_COMMANDS:
        return None
    return page_sender(body.get("sender"))


def page_sender(sender: Any) -> str | None:
    """A well-formed conversation id for this API; never one shaped like the widget's, whose
    conversations only their session secret opens (bot/channels/inbound.py)."""
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender) or inbound.widget_shaped(sender):
        return None
    return sender


def buttons_offered_to(database_url: str, sender: str) -> set[str]:
    """Payloads of the buttons Steady offered this conversation lately (bot.payloads.offered_buttons)."""
    latest = conversations.events(sender, newest=40, engine=engine_for(database_url))
    return payloads.offered_buttons([event.data for event in latest])


async def read_json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


def client_of(request: web.Request) -> str:
    return limits.client_address(request.remote, request.headers.get("X-Forwarded-For"), request.app[TRUSTED_PROXIES])


async def post_message(request: web.Request) -> web.Response:
    body = await read_json(request)
    offered: set[str] = set()
    if (claimant := claims_offered_button(body)) is not None:
        try:
            offered = await asyncio.to_thread(buttons_offered_to, config.database_url(), claimant)
        except Exception:  # noqa: BLE001 - the claimed button is then simply typed text
            logger.exception("Could not read the conversation to check a button")
    parsed = message_from(body, offered)
    if isinstance(parsed, str):
        return web.json_response({"error": parsed}, status=400)
    sender, text = parsed
    refused = request.app[LIMITER].check_message(client_of(request), sender, text)
    if refused:
        return web.json_response({"error": limits.say(refused)}, status=429, headers={"Retry-After": "60"})
    url = f"{rasa_url_for(sender, request.app[REST_URLS])}/webhooks/rest/webhook"
    body = {"sender": sender, "message": text, "metadata": {"channel": CHAT_PAGE}}
    try:
        async with request.app[HTTP].post(url, json=body, timeout=REQUEST_TIMEOUT) as reply:
            reply.raise_for_status()
            messages = await reply.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        logger.exception("Rasa did not answer a chat message")
        return web.json_response({"error": "Steady is not answering right now.", "offline": True}, status=503)
    return web.json_response({"messages": messages})


# -- conversation history for the widget, read from Rasa's tracker store


def shown_user_text(event: dict[str, Any]) -> str | None:
    """What the person saw themselves send: a button's title, their own words; never a raw payload."""
    metadata = event.get("metadata") or {}
    if metadata.get("button") and isinstance(metadata.get("title"), str):
        return metadata["title"]
    said = event.get("text")
    if not isinstance(said, str) or not said or said.startswith("/"):
        return None
    return said


def shown_bot_message(event: dict[str, Any]) -> dict[str, Any] | None:
    """A bot event as the widget renders it: text, buttons, a pacer, a guided sequence or a chart;
    nothing internal."""
    data = event.get("data") or {}
    message: dict[str, Any] = {"from": "bot"}
    if isinstance(event.get("text"), str) and event["text"]:
        message["text"] = event["text"]
    buttons = [
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
        for button in (data.get("buttons") or data.get("quick_replies") or [])
        if isinstance(button, dict)
    ]
    if buttons:
        message["buttons"] = buttons
    custom = data.get("custom")
    if payloads.is_drawn(custom):  # in the history a chart is drawn again, a pacer or a guide says its fallback
        message["custom"] = custom
    return message if len(message) > 1 else None


def transcript(rows: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """User and bot messages of the latest session, oldest first, from (type_name, data) rows.

    `data` is the event, or the stored column (JSON, encrypted at rest: bot/conversations.py reads it)."""
    messages: list[dict[str, Any]] = []
    for type_name, data in rows:
        event = conversations.decoded(data)
        if type_name == "session_started":
            messages = []
        elif type_name == "user" and (said := shown_user_text(event)) is not None:
            messages.append({"from": "user", "text": said})
        elif type_name == "bot" and (shown := shown_bot_message(event)) is not None:
            messages.append(shown)
    return messages[-MAX_HISTORY_MESSAGES:]


def load_history(database_url: str, conversation_id: str) -> list[dict[str, Any]]:
    """The transcript of exactly one conversation."""
    stored = conversations.events(conversation_id, engine=engine_for(database_url))
    return transcript([(event.type_name, event.data) for event in stored])


def cors_headers(request: web.Request) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": request.app[ALLOW_ORIGIN],
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def conversation_in(body: Any) -> str | None:
    """The conversation the widget's session secret in a JSON body {session_id} opens, if well formed."""
    return inbound.conversation_of(body.get("session_id") if isinstance(body, dict) else None)


async def history(request: web.Request) -> web.Response:
    """POST {session_id}: the secret stays out of URLs and access logs."""
    headers = {**cors_headers(request), "Cache-Control": "no-store"}
    conversation = conversation_in(await read_json(request))
    if conversation is None:
        return web.json_response({"error": "The conversation id is missing or malformed."}, status=400, headers=headers)
    try:
        messages = await asyncio.to_thread(load_history, config.database_url(), conversation)
    except Exception:  # the widget then simply starts without the earlier messages
        logger.exception("Could not read a conversation's history")
        return web.json_response({"error": "The earlier messages could not be loaded."}, status=503, headers=headers)
    return web.json_response({"messages": messages}, headers=headers)


async def erase(request: web.Request) -> web.Response:
    """POST {session_id}: the person erases their own chat (bot/erasure.py; an escalation record is
    kept without their words). Whoever holds the session secret is the person."""
    headers = {**cors_headers(request), "Cache-Control": "no-store"}
    conversation = conversation_in(await read_json(request))
    if conversation is None:
        return web.json_response({"error": "The conversation id is missing or malformed."}, status=400, headers=headers)
    try:
        await asyncio.to_thread(erase_person, conversation)
    except Exception:  # noqa: BLE001 - the person is told; the cause is logged without their words
        logger.error("Erasing a web chat failed")
        return web.json_response({"error": "The chat could not be erased."}, status=503, headers=headers)
    return web.json_response({"erased": True}, headers=headers)


async def preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=cors_headers(request))


# -- the widget's socket.io traffic, passed to Rasa's socket.io channel on loopback


async def socketio_proxy(request: web.Request) -> web.StreamResponse:
    upstream = f"{request.app[RASA_URL]}/socket.io/"
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await proxy_websocket(request, upstream.replace("http", "ws", 1))
    return await proxy_polling(request, upstream)


async def proxy_polling(request: web.Request, upstream: str) -> web.Response:
    headers = {"Access-Control-Allow-Origin": request.app[ALLOW_ORIGIN], "Cache-Control": "no-store"}
    forwarded = {"Content-Type": request.headers.get("Content-Type", "text/plain;charset=UTF-8")}
    body = await request.read()
    address = client_of(request)
    packets = body.decode("utf-8", "replace").split("\x1e") if request.method == "POST" else []
    if any(refused_frame(packet, request.app[LIMITER], address) for packet in packets):
        return web.Response(text=limits.say("too_fast"), status=429, headers=headers)
    try:
        async with request.app[HTTP].request(
            request.method,
            upstream,
            params=request.query,
            data=body,
            headers=forwarded,
            timeout=REQUEST_TIMEOUT,
        ) as reply:
            body = await reply.read()
            headers["Content-Type"] = reply.headers.get("Content-Type", "text/plain; charset=UTF-8")
            return web.Response(body=body, status=reply.status, headers=headers)
    except (aiohttp.ClientError, TimeoutError):
        return web.Response(text="Steady is not answering right now.", status=502, headers=headers)


async def pump(source: Any, target: Any) -> None:
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:
            break


SOCKETIO_EVENT = re.compile(r"^42(?:/[^,]*,)?\d*(\[.*)$", re.DOTALL)


def user_message(frame: str) -> tuple[str, str] | None:
    """(session id, text) of a socket.io "user_uttered" event frame, else None."""
    match = SOCKETIO_EVENT.match(frame)
    if not match:
        return None
    try:
        event = json.loads(match.group(1))
    except ValueError:
        return None
    if not (isinstance(event, list) and len(event) >= 2 and event[0] == "user_uttered" and isinstance(event[1], dict)):
        return None
    message = event[1].get("message")
    return str(event[1].get("session_id")), message.strip() if isinstance(message, str) else ""


def refused_frame(frame: str, limiter: limits.RateLimiter, address: str) -> str | None:
    """A bot_uttered frame to answer with when this frame is a message over the limits, else None."""
    said = user_message(frame)
    refused = limiter.check_message(address, *said) if said else None
    return "42" + json.dumps(["bot_uttered", {"text": limits.say(refused)}]) if refused else None


async def pump_from_browser(request: web.Request, browser: web.WebSocketResponse, rasa: Any) -> None:
    """Browser to Rasa, with the public rate limits: a refused message is answered, not forwarded."""
    address = client_of(request)
    async for message in browser:
        if message.type == aiohttp.WSMsgType.TEXT:
            refusal = refused_frame(message.data, request.app[LIMITER], address)
            if refusal:
                await browser.send_str(refusal)
            else:
                await rasa.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await rasa.send_bytes(message.data)
        else:
            break


async def proxy_websocket(request: web.Request, upstream: str) -> web.WebSocketResponse:
    browser = web.WebSocketResponse(max_msg_size=64 * 1024)
    await browser.prepare(request)
    try:
        async with request.app[HTTP].ws_connect(upstream, params=request.query, max_msg_size=1024 * 1024) as rasa:
            pumps = [
                asyncio.create_task(pump_from_browser(request, browser, rasa)),
                asyncio.create_task(pump(rasa, browser)),
            ]
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            # Rasa's side is closed, not cut: if the browser has gone, all it sent is passed on by now, and
            # the close waits for Rasa's answer, which comes once Rasa has read what came before. (Cancelling
            # the pump that reads from Rasa makes aiohttp hang up at once: the last message could be lost.)
            await rasa.close()
            await browser.close()
            await asyncio.gather(*pumps, return_exceptions=True)  # each has stopped at its side's close
    except (aiohttp.ClientError, TimeoutError):
        logger.warning("Could not reach Rasa's socket.io channel")
    await browser.close()
    return browser


# -- pages and files


async def demo_page(_request: web.Request) -> web.FileResponse:
    headers = {"Content-Security-Policy": DEMO_PAGE_POLICY, "Referrer-Policy": "no-referrer"}
    return web.FileResponse(STATIC / "index.html", headers=headers)


def widget_file(name: str):  # type: ignore[no-untyped-def]
    async def serve(request: web.Request) -> web.FileResponse:
        headers = {"Access-Control-Allow-Origin": request.app[ALLOW_ORIGIN], "Cache-Control": "no-cache"}
        return web.FileResponse(STATIC / name, headers=headers)

    return serve


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def origin_allowed(request: web.Request) -> bool:
    """No Origin (a script), this server's own page, or the site named by STEADY_WIDGET_ORIGIN."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = request.app[ALLOW_ORIGIN]
    return allowed == "*" or origin.rstrip("/") == allowed or urlsplit(origin).netloc == request.host


@web.middleware
async def public_guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """Cross-site requests only from the widget's site; the JSON API only as JSON (so a browser
    always preflights it: a text/plain form post from another site is refused)."""
    if request.path.startswith(("/api/", "/socket.io/")) and not origin_allowed(request):
        return web.json_response({"error": "This site may not use Steady's chat."}, status=403)
    if request.method == "POST" and request.path in JSON_ROUTES and request.content_type != "application/json":
        return web.json_response({"error": limits.say("unreadable")}, status=415)
    return await handler(request)


@web.middleware
async def plain_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "text/html" or request.path.endswith((".html", ".htm")):
        response.headers.setdefault("Content-Security-Policy", DEMO_PAGE_POLICY)  # also /static/index.html
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


async def no_server_header(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.pop("Server", None)


async def _client(app: web.Application):  # type: ignore[no-untyped-def]
    # No overall timeout here: a proxied websocket lives as long as the conversation.
    app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
    yield
    await app[HTTP].close()


def create_app(rasa_url: str, allow_origin: str = "*", rest_urls: list[str] | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024, middlewares=[plain_headers, public_guard])
    app[RASA_URL] = rasa_url.rstrip("/")
    app[REST_URLS] = [url.rstrip("/") for url in rest_urls or [rasa_url]]
    app[ALLOW_ORIGIN] = allow_origin.rstrip("/") or "*"
    app[LIMITER] = limits.RateLimiter(config.rate_limit_scale())
    app[TRUSTED_PROXIES] = config.trusted_proxies()
    app.cleanup_ctx.append(_client)
    app.on_response_prepare.append(no_server_header)
    app.router.add_get("/", demo_page)
    app.router.add_get("/health", health)
    app.router.add_get("/widget.js", widget_file("widget.js"))
    app.router.add_get("/widget.css", widget_file("widget.css"))
    app.router.add_post("/api/messages", post_message)
    app.router.add_post("/api/history", history)
    app.router.add_route("OPTIONS", "/api/history", preflight)
    app.router.add_post("/api/erase", erase)
    app.router.add_route("OPTIONS", "/api/erase", preflight)
    app.router.add_route("*", "/socket.io/", socketio_proxy)
    app.router.add_static("/static/", STATIC)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Steady's chat widget and demo page")
    parser.add_argument("--host", default=config.web_host())
    parser.add_argument("--port", type=int, default=config.web_port())
    parser.add_argument("--rasa-url", default=config.rasa_url())
    parser.add_argument(
        "--allow-origin",
        default=config.widget_origin(),
        help="which web site may embed the widget (an origin such as https://example.org, or *)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    # No access log: it would record people's addresses against /api/messages.
    app = create_app(args.rasa_url, args.allow_origin, config.rasa_urls())
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
