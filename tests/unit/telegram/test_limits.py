"""The send limits, on a fake clock: never more than 30 messages in any one-second window
(the old bucket let a burst and its refill, 60, into one), at most 3 in any three seconds to
one chat (a photo and its text go together), and a flood pause holds every chat."""

from __future__ import annotations

import asyncio

from handlers.telegram.claims import delivered_ids, join_ids
from handlers.telegram.limits import RateLimiter, SendLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _times(limiter: RateLimiter, clock: FakeClock, chats: list[str]) -> list[float]:
    async def run() -> list[float]:
        stamps = []
        for chat in chats:
            await limiter.acquire(chat)
            stamps.append(clock.now)
        return stamps

    return asyncio.run(run())


def most_in_any_window(stamps: list[float], seconds: float) -> int:
    """The most sends any half-open window [t, t + seconds) holds (the busiest windows start
    at a send)."""
    return max(sum(1 for t in stamps if start <= t < start + seconds) for start in stamps)


def test_a_sender_never_lets_more_than_30_into_any_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(), clock, clock.sleep)
    stamps = _times(limiter, clock, [f"chat-{n}" for n in range(200)])
    assert most_in_any_window(stamps, 1.0) == 30
    assert stamps[29] == 0  # the first 30 at once, as fast as allowed
    assert stamps[30] == 1.0


def test_one_chat_gets_three_together_then_waits_out_its_three_seconds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(), clock, clock.sleep)
    stamps = _times(limiter, clock, ["amina"] * 10)
    assert stamps[:4] == [0, 0, 0, 3.0]
    assert most_in_any_window(stamps, 3.0) == 3


def test_chats_in_turn_keep_both_limits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(), clock, clock.sleep)
    chats = [f"chat-{n % 7}" for n in range(300)]
    stamps = _times(limiter, clock, chats)
    assert most_in_any_window(stamps, 1.0) <= 30
    for chat in set(chats):
        own = [t for t, c in zip(stamps, chats, strict=True) if c == chat]
        assert most_in_any_window(own, 3.0) <= 3


def test_a_flood_pause_holds_every_chat() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(), clock, clock.sleep)
    limiter.pause(5)
    assert _times(limiter, clock, ["x", "y"]) == [5, 5]


def test_delivered_part_ids_survive_the_column_limit_as_a_count() -> None:
    ids = list(range(10**9, 10**9 + 20))
    stored = join_ids(ids)
    assert len(stored) <= 128
    assert len(delivered_ids(stored)) == 20
    assert delivered_ids(join_ids([5, 6])) == [5, 6]
