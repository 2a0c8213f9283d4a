"""Serves the chat page and passes messages to Rasa's REST channel, which stays on loopback.

Typed text that starts with "/" would be read by Rasa as a forced intent ("/deny"), so typed text
is neutralised; only button payloads the assistant itself offered may start with "/".
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 2000
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PAYLOAD_PATTERN = re.compile(r"^/[a-z_]+(\{[^{}]{0,200}\})?$")
RASA_URL = web.AppKey("rasa_url", str)
HTTP = web.AppKey("http", aiohttp.ClientSession)
logger = logging.getLogger(__name__)


def neutralise(text: str) -> str:
    """Typed text can never force an intent: leading slashes are dropped."""
    return text.lstrip().lstrip("/").strip()


def message_from(body: Any) -> tuple[str, str] | str:
    """(sender, text) from a request body, or a plain-language reason it cannot be used."""
    if not isinstance(body, dict):
        return "Send JSON with 'sender' and 'text' (or 'payload')."
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        return "The conversation id is missing or malformed; reload the page to start a new one."
    payload = body.get("payload")
    if isinstance(payload, str) and payload:
        if len(payload) > 300 or (payload.startswith("/") and not PAYLOAD_PATTERN.match(payload)):
            return "That button could not be read. Please type your answer instead."
        return sender, payload
    text = body.get("text")
    if not isinstance(text, str) or not neutralise(text):
        return "Please type a message."
    if len(text) > MAX_MESSAGE_CHARS:
        return f"That message is too long for me ({len(text)} characters; the limit is {MAX_MESSAGE_CHARS})."
    return sender, neutralise(text)


async def post_message(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    parsed = message_from(body)
    if isinstance(parsed, str):
        return web.json_response({"error": parsed}, status=400)
    sender, text = parsed
    url = f"{request.app[RASA_URL]}/webhooks/rest/webhook"
    try:
        async with request.app[HTTP].post(
            url, json={"sender": sender, "message": text, "metadata": {"channel": "web"}}
        ) as reply:
            reply.raise_for_status()
            messages = await reply.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        logger.exception("Rasa did not answer a chat message")
        return web.json_response({"error": "Steady is not answering right now.", "offline": True}, status=503)
    return web.json_response({"messages": messages})


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _client(app: web.Application):  # type: ignore[no-untyped-def]
    app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    yield
    await app[HTTP].close()


def create_app(rasa_url: str) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[RASA_URL] = rasa_url.rstrip("/")
    app.cleanup_ctx.append(_client)
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_post("/api/messages", post_message)
    app.router.add_static("/static/", STATIC)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Steady's chat page")
    parser.add_argument("--host", default=os.environ.get("STEADY_WEB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STEADY_WEB_PORT", "8000")))
    parser.add_argument("--rasa-url", default=os.environ.get("STEADY_RASA_URL", "http://127.0.0.1:5005"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    web.run_app(create_app(args.rasa_url), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
