"""A sliding window: at most `limit` sends in any `seconds`-long window, as the platform counts
them — when they arrive, which is some time between our start and its answer.

So a send holds its place from the moment it starts (`reserve`) until it ends (`release`,
stamped with the time it ended, answered or failed), and counts for `seconds` after that.
Whatever the delays (a connection pool that queues sends and lets them out bunched), no window
measured where they arrive can then hold more than `limit`: a send starts only when fewer than
`limit` others are in flight or ended less than `seconds` ago, and every send that arrives in a
window with it is one of those. Unlike a token bucket, which lets a full burst out and then its
refill within the same second, no window of that length ever holds more than `limit`."""

from __future__ import annotations

import math
from collections import deque


class SlidingWindow:
    __slots__ = ("_ended", "_in_flight", "limit", "seconds")

    def __init__(self, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a window lets at least one send through, over some time")
        self.limit = limit
        self.seconds = seconds
        self._in_flight = 0
        self._ended: deque[float] = deque()  # when recent sends ended, oldest first

    def wait(self, now: float) -> float:
        """How long until one more send fits (0: now; `math.inf`: not before a send in flight
        ends). A send exactly `seconds` after one ended fits: windows are half-open."""
        self._forget(now)
        over = self._in_flight + len(self._ended) - self.limit
        if over < 0:
            return 0.0
        if over >= len(self._ended):
            return math.inf
        return max(self._ended[over] + self.seconds - now, 0.0)

    def reserve(self) -> None:
        """A send starts (after `wait` said 0): it counts as now until it is released."""
        self._in_flight += 1

    def release(self, at: float) -> None:
        """The send that started ended at `at` (an answer or a failure): it counts until
        `at + seconds`."""
        self._in_flight = max(self._in_flight - 1, 0)
        at = max(at, self._ended[-1]) if self._ended else at  # keep them in order
        self._ended.append(at)
        self._forget(at)

    def idle(self, now: float) -> bool:
        """Whether nothing is in flight or was sent in the last window (it may be forgotten)."""
        self._forget(now)
        return not self._in_flight and not self._ended

    def _forget(self, now: float) -> None:
        while self._ended and self._ended[0] + self.seconds <= now:
            self._ended.popleft()
