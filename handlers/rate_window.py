"""A sliding window: at most `limit` sends in any `seconds`-long window. It remembers the
times of the last `limit` sends; one more may go when the oldest of them is `seconds` old.
Unlike a token bucket, which lets a full burst out and then its refill within the same second,
no window of that length ever holds more than `limit`."""

from __future__ import annotations

from collections import deque


class SlidingWindow:
    __slots__ = ("_sent", "limit", "seconds")

    def __init__(self, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a window lets at least one send through, over some time")
        self.limit = limit
        self.seconds = seconds
        self._sent: deque[float] = deque(maxlen=limit)

    def wait(self, now: float) -> float:
        """How long until one more send fits (0: now). A send exactly `seconds` after the
        oldest fits: windows are half-open, [t, t + seconds)."""
        if len(self._sent) < self.limit:
            return 0.0
        return max(self._sent[0] + self.seconds - now, 0.0)

    def take(self, now: float) -> None:
        """Count a send at `now` (after `wait(now)` said 0)."""
        self._sent.append(now)

    def idle(self, now: float) -> bool:
        """Whether nothing was sent in the last window (it may be forgotten)."""
        return not self._sent or self._sent[-1] + self.seconds <= now
