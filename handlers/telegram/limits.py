"""Telegram's send limits, as sliding windows shared by every send of the one sending process
(`soko scheduler`, or `soko run`; web workers send nothing, so this is the fleet's limit):

- overall: at most 30 messages in any one-second window;
- per chat: at most 3 messages in any three-second window — a photo and its text (or a
  short answer in two or three parts) go out together, and a chat averages one a second.

Telegram counts a message when it arrives, which may be well after we started it (sends queue
in the connection pool under a backlog and leave bunched), so a send holds its place in both
windows from its start until its answer (or failure), and counts for the window's length after
that (`handlers.rate_window`): `async with limiter.slot(chat): <send>`.

A 429 (`retry_after`) pauses every chat: nothing goes out until it has passed."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from handlers.rate_window import SlidingWindow


@dataclass(frozen=True)
class SendLimits:
    overall: int = 30
    overall_seconds: float = 1.0
    per_chat: int = 3
    per_chat_seconds: float = 3.0


class RateLimiter:
    """`async with slot(chat)` enters when one more message to `chat` is within the limits,
    and holds that place until the block ends (the send answered, failed or cancelled).

    Used from one event loop: between a window's check and its reservation there is no await,
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
        self._waiting_for_release: list[asyncio.Future[None]] = []

    @contextlib.asynccontextmanager
    async def slot(self, chat: str) -> AsyncIterator[None]:
        await self.acquire(chat)
        try:
            yield
        finally:
            self.release(chat)

    async def acquire(self, chat: str) -> None:
        """Wait for a place and take it; `release(chat)` must follow (use `slot`)."""
        while True:
            now = self._clock()
            window = self._chats.get(chat)
            if window is None:
                window = self._new_chat_window(chat, now)
            wait = max(self._paused_until - now, window.wait(now), self._overall.wait(now))
            if wait <= 0:
                window.reserve()
                self._overall.reserve()
                return
            if math.isinf(wait):  # full of sends in flight: a place frees after one ends
                await self._next_release()
            else:
                await self._sleep(wait)

    def release(self, chat: str) -> None:
        """The send `acquire(chat)` let through ended (now): it counts for a window from now."""
        now = self._clock()
        self._overall.release(now)
        window = self._chats.get(chat)
        if window is not None:
            window.release(now)
        waiting, self._waiting_for_release = self._waiting_for_release, []
        for future in waiting:
            if not future.done():
                future.set_result(None)

    async def _next_release(self) -> None:
        future = asyncio.get_running_loop().create_future()
        self._waiting_for_release.append(future)
        try:
            await future
        finally:
            with contextlib.suppress(ValueError):
                self._waiting_for_release.remove(future)

    def sent_earlier(self, chat: str, seconds_ago: float) -> None:
        """Count a send to `chat` that ended `seconds_ago` (one made before this limiter
        existed, by a sender this one took over from). Oldest first."""
        now = self._clock()
        window = self._chats.get(chat) or self._new_chat_window(chat, now)
        for seen in (window, self._overall):
            seen.reserve()
            seen.release(now - max(seconds_ago, 0.0))

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
