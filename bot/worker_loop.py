"""The loop every background worker runs: a pass, a wait, the next pass, until SIGINT or SIGTERM.

Shared by the escalation notifier (bot/escalation/worker.py), the reminder worker
(bot/reminders/worker.py) and retention (bot/retention.py). A pass that raises is logged and the
loop goes on (the next pass retries); a signal ends the loop after the current pass (`make run`
sends SIGTERM on Ctrl-C).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

OnePass = Callable[[], Awaitable[float | None]]  # returns the seconds to wait, or None for the usual interval


async def run_passes(
    log: logging.Logger, name: str, one_pass: OnePass, interval: float, stop: asyncio.Event | None = None
) -> None:
    """Run `one_pass` again and again, `interval` seconds apart (or as long as a pass asks), until
    `stop` is set or a signal comes. Logs to the worker's own `log` as `name`."""
    stop = stop or asyncio.Event()
    signals = _stop_on_signals(log, stop)
    log.info("%s started", name)
    try:
        while not stop.is_set():
            wait = await _guarded(log, name, one_pass)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval if wait is None else wait)
    finally:
        for signum in signals:
            asyncio.get_running_loop().remove_signal_handler(signum)
    log.info("%s stopped", name)


async def _guarded(log: logging.Logger, name: str, one_pass: OnePass) -> float | None:
    try:
        return await one_pass()
    except Exception:  # noqa: BLE001 - the worker must outlive any single failure (database down, ...)
        log.exception("%s pass failed", name)
        return None


def _stop_on_signals(log: logging.Logger, stop: asyncio.Event) -> list[signal.Signals]:
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            loop.add_signal_handler(signum, _request_stop, log, stop, signum)
            installed.append(signum)
    return installed


def _request_stop(log: logging.Logger, stop: asyncio.Event, signum: int) -> None:
    log.info("received %s, stopping after the current pass", signal.Signals(signum).name)
    stop.set()
