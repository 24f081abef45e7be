"""Telegram's send limits, as sliding windows shared by every send of the one sending process
(`soko scheduler`, or `soko run`; web workers send nothing, so this is the fleet's limit):

- overall: at most 30 messages in any one-second window;
- per chat: at most 3 messages in any three-second window — a photo and its text (or a
  short answer in two or three parts) go out together, and a chat averages one a second.

A 429 (`retry_after`) pauses every chat: nothing goes out until it has passed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.rate_window import SlidingWindow


@dataclass(frozen=True)
class SendLimits:
    overall: int = 30
    overall_seconds: float = 1.0
    per_chat: int = 3
    per_chat_seconds: float = 3.0


class RateLimiter:
    """`await acquire(chat)` returns when one more message to `chat` is within the limits.

    Used from one event loop: between a window's check and its take there is no await,
    so no lock is needed.
    """

    _PRUNE_AT = 10_000

    def __init__(
        self,
        limits: SendLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits or SendLimits()
        self._clock = clock
        self._sleep = sleep
        self._overall = SlidingWindow(self._limits.overall, self._limits.overall_seconds)
        self._chats: dict[str, SlidingWindow] = {}
        self._paused_until = 0.0

    async def acquire(self, chat: str) -> None:
        while True:
            now = self._clock()
            window = self._chats.get(chat)
            if window is None:
                window = self._new_chat_window(chat, now)
            wait = max(self._paused_until - now, window.wait(now), self._overall.wait(now))
            if wait <= 0:
                window.take(now)
                self._overall.take(now)
                return
            await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Flood control: nothing goes out for `seconds` (Telegram's `retry_after`)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _new_chat_window(self, chat: str, now: float) -> SlidingWindow:
        if len(self._chats) >= self._PRUNE_AT:  # forget chats that sent nothing lately
            for key, old in list(self._chats.items()):
                if old.idle(now):
                    del self._chats[key]
        limits = self._limits
        window = SlidingWindow(limits.per_chat, limits.per_chat_seconds)
        self._chats[chat] = window
        return window
