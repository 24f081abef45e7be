"""Telegram's send limits, as token buckets shared by every send of one process:
about 30 messages a second overall and one a second per chat (a short burst allowed,
so a reply of a photo and its text goes out together). A 429 pauses everything."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SendLimits:
    overall_per_second: float = 30.0
    overall_burst: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3


class _Bucket:
    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self) -> float:
        # A hair of tolerance: refilling by float arithmetic may stop just short of 1.
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate


class RateLimiter:
    """`await acquire(chat)` returns when one more message to `chat` is within the limits.

    Used from one event loop: between a bucket's check and its take there is no await,
    so no lock is needed.
    """

    _PRUNE_AT = 10_000

    def __init__(
        self, limits: SendLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        limits = limits or SendLimits()
        self._limits = limits
        self._clock = clock
        now = clock()
        self._overall = _Bucket(limits.overall_per_second, limits.overall_burst, now)
        self._chats: dict[str, _Bucket] = {}
        self._paused_until = 0.0

    async def acquire(self, chat: str) -> None:
        while True:
            now = self._clock()
            bucket = self._chats.get(chat)
            if bucket is None:
                bucket = self._new_chat_bucket(chat, now)
            bucket.refill(now)
            self._overall.refill(now)
            wait = max(self._paused_until - now, bucket.wait(), self._overall.wait())
            if wait <= 0:
                bucket.tokens -= 1
                self._overall.tokens -= 1
                return
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Flood control: nothing goes out for `seconds` (Telegram's `retry_after`)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _new_chat_bucket(self, chat: str, now: float) -> _Bucket:
        if len(self._chats) >= self._PRUNE_AT:  # forget chats whose bucket is full again
            for key, old in list(self._chats.items()):
                old.refill(now)
                if old.tokens >= old.burst:
                    del self._chats[key]
        limits = self._limits
        bucket = _Bucket(limits.per_chat_per_second, limits.per_chat_burst, now)
        self._chats[chat] = bucket
        return bucket
