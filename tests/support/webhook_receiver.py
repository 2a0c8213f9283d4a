"""An HTTP endpoint on 127.0.0.1 that records every request it gets.

    async with WebhookReceiver() as hook:
        ...POST to hook.url("/steady")...
        assert hook.requests[0].json()["severity"] == "high"

`fail_next(count, status=503)` answers the next `count` requests with that status.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.loopback import HttpService


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered_status: int

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class WebhookReceiver(HttpService):
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._statuses: deque[int] = deque()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        self._statuses.extend([status] * count)

    @property
    def accepted(self) -> list[ReceivedRequest]:
        """Requests answered with 2xx."""
        return [r for r in self.requests if 200 <= r.answered_status < 300]

    async def _handle(self, request: web.Request) -> web.Response:
        status = self._statuses.popleft() if self._statuses else 200
        self.requests.append(
            ReceivedRequest(
                method=request.method,
                path=request.path,
                headers=dict(request.headers),
                body=await request.read(),
                answered_status=status,
            )
        )
        return web.json_response({"ok": 200 <= status < 300}, status=status)
