"""What every stand-in shares: it is served on 127.0.0.1 at a free port, started and stopped with
start() and stop() or used as `async with Stand_in() as service:`."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

Service = TypeVar("Service", bound="LoopbackService")


class LoopbackService:
    port: int = 0

    async def start(self: Service) -> Service:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self: Service) -> Service:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


class HttpService(LoopbackService):
    """A stand-in that answers every method and path with its `_handle` (an aiohttp handler)."""

    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    async def start(self: Service) -> Service:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
