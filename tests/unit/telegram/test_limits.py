"""The send limits, on a fake clock: never more than 30 messages in any one-second window
(the old bucket let a burst and its refill, 60, into one), at most 3 in any three seconds to
one chat (a photo and its text go together), and a flood pause holds every chat.

Telegram counts a message when it arrives, anywhere between our start and its answer, so the
windows are checked at arrival times, with sends that take a while and arrive late."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.telegram.claims import delivered_ids, join_ids
from handlers.telegram.limits import RateLimiter, SendLimits


class FakeClock:
    """Time stands still while any task can run; when every task waits, it jumps to the
    next wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleeping: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleeping, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    def run(self, *work: Coroutine[Any, Any, None]) -> None:
        async def drive() -> None:
            tasks = [asyncio.ensure_future(one) for one in work]
            while True:
                for _ in range(100):  # let every task run until it waits
                    await asyncio.sleep(0)
                if all(task.done() for task in tasks):
                    break
                if not self._sleeping:
                    for task in tasks:
                        task.cancel()
                    raise AssertionError("stuck: every task waits, none for the clock")
                wake, _, woken = heapq.heappop(self._sleeping)
                self.now = max(self.now, wake)
                woken.set_result(None)
            for task in tasks:
                task.result()

        asyncio.run(drive())


def _times(limiter: RateLimiter, clock: FakeClock, chats: list[str]) -> list[float]:
    """Sends one after the other, each answered at once: when each went."""
    stamps: list[float] = []

    async def run() -> None:
        for chat in chats:
            async with limiter.slot(chat):
                stamps.append(clock.now)

    clock.run(run())
    return stamps


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


def test_a_send_in_flight_holds_its_place_until_its_answer_and_a_window_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(), clock, clock.sleep)
    started: list[float] = []

    async def send(takes: float) -> None:
        async with limiter.slot("amina"):
            started.append(clock.now)
            await clock.sleep(takes)

    clock.run(send(10), send(10), send(10), send(0))
    assert started == [0, 0, 0, 13.0]  # three answered at 10, counted until 13


def test_a_failed_send_gives_its_place_back_counted_from_when_it_failed() -> None:
    clock = FakeClock()
    limiter = RateLimiter(SendLimits(per_chat=1), clock, clock.sleep)
    started: list[float] = []

    async def failing() -> None:
        async with limiter.slot("amina"):
            await clock.sleep(2)
            raise ConnectionError

    async def caught() -> None:
        with pytest.raises(ConnectionError):
            await failing()

    async def next_one() -> None:
        async with limiter.slot("amina"):
            started.append(clock.now)

    clock.run(caught(), next_one())
    assert started == [5.0]


def test_sends_made_before_the_limiter_existed_count_from_when_they_ended() -> None:
    clock = FakeClock()
    clock.now = 100.0
    limiter = RateLimiter(SendLimits(), clock, clock.sleep)
    for _ in range(3):  # the scheduler before this one sent three to her 2.6 s ago
        limiter.sent_earlier("amina", 2.6)
    assert _times(limiter, clock, ["amina", "baraka"]) == [97.4 + 3.0, 97.4 + 3.0]


sends = st.lists(
    st.tuples(
        st.integers(0, 4),  # chat
        st.floats(0, 2),  # from our start to its arrival at Telegram
        st.floats(0, 2),  # from its arrival to the answer
        st.booleans(),  # fails
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(sends)
def test_no_window_at_telegram_holds_more_than_the_limits_whatever_the_delays(
    planned: list[tuple[int, float, float, bool]],
) -> None:
    limits = SendLimits(overall=5, overall_seconds=1.0, per_chat=2, per_chat_seconds=3.0)
    clock = FakeClock()
    limiter = RateLimiter(limits, clock, clock.sleep)
    arrived: list[tuple[int, float]] = []

    async def send(chat: int, to_arrive: float, to_answer: float, fails: bool) -> None:
        try:
            async with limiter.slot(str(chat)):
                await clock.sleep(to_arrive)
                arrived.append((chat, clock.now))
                await clock.sleep(to_answer)
                if fails:
                    raise TimeoutError
        except TimeoutError:
            pass

    clock.run(*(send(*one) for one in planned))
    assert len(arrived) == len(planned)
    assert most_in_any_window([t for _, t in arrived], 1.0) <= 5
    for chat in {c for c, _ in arrived}:
        assert most_in_any_window([t for c, t in arrived if c == chat], 3.0) <= 2


def test_delivered_part_ids_survive_the_column_limit_as_a_count() -> None:
    ids = list(range(10**9, 10**9 + 20))
    stored = join_ids(ids)
    assert len(stored) <= 128
    assert len(delivered_ids(stored)) == 20
    assert delivered_ids(join_ids([5, 6])) == [5, 6]
