"""The breathing pacer and guided sequences (body scan) on Telegram: one message, edited as the count
or the line changes, as a background task.

Each chat has at most one pacer. It never blocks other chats or the conversation: a new message
from the person stops it at once. Edits are spread over all chats by a shared budget (Telegram
answers bursts with 429 "retry after"); a pacer that falls behind skips frames rather than queueing
them, so the count shown always matches the time. The messages of the turn that started the pacer
("send me any message when you're ready") are held back and sent when the pacing ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram.render import Frame, paced_frames, paced_stopped_text

logger = logging.getLogger(__name__)

SendMessage = Callable[[int, dict[str, Any]], Awaitable[None]]


class EditBudget:
    """A token bucket shared by every pacer: at most `per_second` edits a second, `burst` at once."""

    def __init__(self, per_second: float = 20.0, burst: float = 20.0) -> None:
        self.per_second = per_second
        self.burst = burst
        self._tokens = burst
        self._updated: float | None = None

    def take(self, now: float) -> bool:
        if self._updated is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class PacerRun:
    chat_id: int
    message_id: int
    pacer: dict[str, Any]
    held_back: list[dict[str, Any]] = field(default_factory=list)
    paced: bool = False
    task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class Pacers:
    """Running pacers by chat id."""

    def __init__(self, bot: Bot, send: SendMessage, seconds_per_count: float = 1.0, budget: EditBudget | None = None):
        self.bot = bot
        self.send = send
        self.seconds_per_count = seconds_per_count
        self.budget = budget or EditBudget()
        self._runs: dict[int, PacerRun] = {}

    def running(self, chat_id: int) -> PacerRun | None:
        run = self._runs.get(chat_id)
        return run if run is not None and run.running else None

    async def start(self, chat_id: int, pacer: dict[str, Any]) -> PacerRun | None:
        """Send the first frame and pace the rest in the background; None if it cannot be paced."""
        self.stop(chat_id)
        try:
            frames = paced_frames(pacer)
        except (TypeError, ValueError) as problem:
            logger.warning("Breathing pacer not shown (%s); sending its fallback text", problem)
            return None
        try:
            first = await self.bot.send_message(chat_id, frames[0].text)
        except TelegramError as problem:
            logger.warning("Breathing pacer not started (%s); sending its fallback text", problem)
            return None
        run = PacerRun(chat_id, first.message_id, pacer)
        run.task = asyncio.create_task(self._pace(run, frames[1:]), name=f"pacer-{first.message_id}")
        self._runs[chat_id] = run
        return run

    def stop(self, chat_id: int) -> None:
        """Stop the chat's pacer, if any (its held-back messages are dropped: the person moved on)."""
        run = self._runs.pop(chat_id, None)
        if run is not None and run.task is not None and not run.task.done():
            run.task.cancel()

    async def stop_all(self) -> None:
        runs = list(self._runs.values())
        for run in runs:
            self.stop(run.chat_id)
        await asyncio.gather(*(run.task for run in runs if run.task), return_exceptions=True)

    async def _pace(self, run: PacerRun, frames: list[Frame]) -> None:
        try:
            await self._show_frames(run, frames)
            run.paced = True
            while run.held_back:
                await self.send(run.chat_id, run.held_back.pop(0))
        except asyncio.CancelledError:
            if not run.paced:
                with contextlib.suppress(TelegramError):
                    await self._edit(run, paced_stopped_text(run.pacer), must=False)
            raise
        except Forbidden:
            logger.info("A pacer stopped: the person blocked the bot")
        finally:
            if self._runs.get(run.chat_id) is run:
                del self._runs[run.chat_id]

    async def _show_frames(self, run: PacerRun, frames: list[Frame]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for frame in frames:
            due = started + frame.at * self.seconds_per_count
            await asyncio.sleep(max(0.0, due - loop.time()))
            final = frame is frames[-1]
            late = loop.time() - due > self.seconds_per_count
            if not final and (late or not self.budget.take(loop.time())):
                continue  # skip a frame rather than fall behind the clock
            await self._edit(run, frame.text, must=final)

    async def _edit(self, run: PacerRun, text: str, must: bool) -> None:
        """One edit; a 429 is waited out (and retried once if this edit must happen)."""
        for _attempt in range(2 if must else 1):
            try:
                await self.bot.edit_message_text(text, chat_id=run.chat_id, message_id=run.message_id)
                return
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
            except Forbidden:
                raise
            except BadRequest as error:
                if "not modified" not in str(error).lower():
                    logger.warning("A pacer edit was refused: %s", error)
                return
            except TelegramError as error:
                logger.warning("A pacer edit failed: %s", error)
                return
