"""The send limits: one message a second per chat after a short burst, a global cap, pauses."""

from __future__ import annotations

import asyncio

from handlers.telegram.claims import delivered_ids, join_ids
from handlers.telegram.limits import RateLimiter, SendLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _times(limiter: RateLimiter, clock: FakeClock, chats: list[str]) -> list[float]:
    async def run() -> list[float]:
        original_sleep = asyncio.sleep
        stamps = []

        async def fake_sleep(seconds: float) -> None:
            clock.now += seconds
            await original_sleep(0)

        asyncio.sleep = fake_sleep  # type: ignore[assignment]
        try:
            for chat in chats:
                await limiter.acquire(chat)
                stamps.append(round(clock.now, 3))
        finally:
            asyncio.sleep = original_sleep
        return stamps

    return asyncio.run(run())


def test_one_chat_gets_a_burst_then_one_message_a_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(per_chat_per_second=1, per_chat_burst=3), clock)
    assert _times(limiter, clock, ["a"] * 5) == [0, 0, 0, 1, 2]


def test_many_chats_share_the_overall_cap() -> None:
    clock = FakeClock()
    limits = SendLimits(overall_per_second=30, overall_burst=30, per_chat_burst=3)
    limiter = RateLimiter(limits, clock)
    stamps = _times(limiter, clock, [str(n) for n in range(60)])
    assert stamps[29] == 0
    assert stamps[-1] == 1.0  # 30 more at 30 a second


def test_a_flood_pause_holds_every_chat() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(), clock)
    limiter.pause(5)
    assert _times(limiter, clock, ["x"]) == [5]


def test_delivered_part_ids_survive_the_column_limit_as_a_count() -> None:
    ids = list(range(10**9, 10**9 + 20))
    stored = join_ids(ids)
    assert len(stored) <= 128
    assert len(delivered_ids(stored)) == 20
    assert delivered_ids(join_ids([5, 6])) == [5, 6]
