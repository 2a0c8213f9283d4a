"""Sanic 21.12's websockets (under Rasa's socket.io channel), fixed so that a message received before a
close or a hang-up is always read.

A widget that sends and closes at once (or whose tab goes away) leaves its last message right behind
a close frame or the end of the connection. Sanic lost such messages in three ways:
- it answered a close before the frames ahead of it were read, so the client hung up and Sanic then
  cancelled the handler with the message still unread;
- on a hang-up it cancelled the reader and the handler at once, with frames received but not yet read;
- `recv`, when a message and a cancel landed in one turn of the event loop, returned either at random.
About half of such last messages never reached the channel. Here frames are read in the order they came,
a close or a hang-up is handled after them, and a message already taken is returned.

bot/rasa_server.py calls install() in every Rasa server.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import wraps
from typing import Any

STOPPING: set[asyncio.Task] = set()  # handlers waiting for their frames to be read (kept from the collector)


async def recv(self: Any, timeout: float | None = None) -> Any:
    """WebsocketImplProtocol.recv: the next message; a message already taken wins over a cancel."""
    from sanic.exceptions import ServerError, WebsocketClosed
    from websockets.connection import CLOSED

    if self.recv_lock.locked():
        raise ServerError("cannot call recv while another task is already waiting for the next message")
    await self.recv_lock.acquire()
    if self.connection.state is CLOSED and not getattr(self, "draining", False):
        self.recv_lock.release()
        raise WebsocketClosed("Cannot receive from websocket interface after it is closed.")
    self.recv_cancel = asyncio.get_running_loop().create_future()
    message = asyncio.ensure_future(self.assembler.get(timeout))
    try:
        try:
            await asyncio.wait((self.recv_cancel, message), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            if not message.done():
                raise
        if not message.done():  # a close, or the end of the connection
            raise asyncio.CancelledError()
        return message.result()
    finally:
        if not message.done():
            message.cancel()
        self.recv_cancel.cancel()
        self.recv_cancel = None
        self.recv_lock.release()


async def data_received(self: Any, data_to_send: list[bytes], events_to_process: list[Any]) -> None:
    """WebsocketImplProtocol.async_data_received: frames are read first, then answered (a close too)."""
    from websockets.connection import CLOSING, OPEN

    if events_to_process:
        await self.process_events(events_to_process)
    if self.connection.state in (OPEN, CLOSING) and data_to_send:
        await self.send_data(data_to_send)


async def frames_read(websocket: Any) -> None:
    """Returns once every frame received so far has been read (they are handed over one at a time,
    in order, under process_event_mutex); gives up after the close timeout."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(websocket.process_events([]), websocket.close_timeout)


def after_frames_read_on_eof(stock: Any) -> Any:
    """WebsocketImplProtocol.async_eof_received, once the frames received before the end are read."""

    @wraps(stock)
    async def async_eof_received(self: Any, data_to_send: list[bytes], events_to_process: list[Any]) -> None:
        await frames_read(self)
        await stock(self, data_to_send, events_to_process)

    return async_eof_received


def handler_stopped_after_frames_read(stock: Any) -> Any:
    """WebSocketProtocol.connection_lost, except that the handler is cancelled only after the frames
    received before the connection ended are read."""

    @wraps(stock)
    def connection_lost(self: Any, exc: BaseException | None) -> None:
        websocket, handler = self.websocket, self._task
        if websocket is None or handler is None:
            stock(self, exc)
            return
        websocket.draining = True
        self._task = None  # so that Sanic does not cancel it now
        try:
            stock(self, exc)
        finally:
            self._task = handler
        stop = asyncio.ensure_future(stop_after_frames_read(websocket, handler))
        STOPPING.add(stop)
        stop.add_done_callback(STOPPING.discard)

    return connection_lost


async def stop_after_frames_read(websocket: Any, handler: asyncio.Task) -> None:
    await frames_read(websocket)
    websocket.draining = False
    if websocket.recv_cancel is not None:
        websocket.recv_cancel.cancel()
    handler.cancel()


def patched_methods() -> list[tuple[Any, str]]:
    """(class, method name) of everything install() replaces, for tests that undo it."""
    from sanic.server.protocols.websocket_protocol import WebSocketProtocol
    from sanic.server.websockets.impl import WebsocketImplProtocol

    return [
        (WebsocketImplProtocol, "recv"),
        (WebsocketImplProtocol, "async_data_received"),
        (WebsocketImplProtocol, "async_eof_received"),
        (WebSocketProtocol, "connection_lost"),
    ]


def install() -> None:
    """Apply the fixes to Sanic's websocket classes in this process (idempotent)."""
    from sanic.server.protocols.websocket_protocol import WebSocketProtocol
    from sanic.server.websockets.impl import WebsocketImplProtocol

    def stock(method: Any) -> Any:
        return getattr(method, "__wrapped__", method)

    WebsocketImplProtocol.recv = recv  # type: ignore[method-assign]
    WebsocketImplProtocol.async_data_received = data_received  # type: ignore[method-assign]
    WebsocketImplProtocol.async_eof_received = after_frames_read_on_eof(  # type: ignore[method-assign]
        stock(WebsocketImplProtocol.async_eof_received)
    )
    WebSocketProtocol.connection_lost = handler_stopped_after_frames_read(  # type: ignore[method-assign]
        stock(WebSocketProtocol.connection_lost)
    )
