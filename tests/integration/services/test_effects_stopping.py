"""The effect runner at stop: effects it claimed but had not started are handed back, so
the next runner (the next `soko run` or `soko scheduler`) runs them at once rather than
after their lease."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import timedelta

from store.effect_runner import EffectRunner
from store.services.effects import Claimed
from store.uow import UnitOfWorkFactory
from tests.integration.services.test_effects import NOW, Provider, record


class StoppedWhileClaiming(EffectRunner):
    """A runner whose process is told to stop (SIGTERM) while its claim is in flight."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.on_claimed = threading.Event()
        self.go_on = threading.Event()

    def claim(self, limit: int, lease: timedelta | None = None) -> list[Claimed]:
        claimed = super().claim(limit, lease)
        if claimed:
            self.on_claimed.set()
            self.go_on.wait(30)
        return claimed


def test_effects_claimed_when_the_stop_comes_are_run_at_once_by_the_next_runner(
    uow_factory: UnitOfWorkFactory,
) -> None:
    for key in ("a", "b", "c"):
        record(uow_factory, key)
    first = Provider()
    runner = StoppedWhileClaiming(uow_factory, [first.kind()], lambda: NOW, threads=4)

    async def stopping() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop, poll=3600, grace=5))
        await asyncio.to_thread(runner.on_claimed.wait, 30)
        stop.set()  # the signal, while the claim was being written
        runner.go_on.set()
        await running

    asyncio.run(stopping())
    assert first.asked == []  # stopping, it started nothing new
    after = Provider()
    # The same instant: no lease to wait out.
    assert EffectRunner(uow_factory, [after.kind()], lambda: NOW).run_due() == 3
    assert sorted(after.asked) == ["a", "b", "c"]


def test_effects_claimed_by_a_runner_cancelled_meanwhile_are_run_at_once_by_the_next(
    uow_factory: UnitOfWorkFactory,
) -> None:
    for key in ("a", "b"):
        record(uow_factory, key)
    first = Provider()
    runner = StoppedWhileClaiming(uow_factory, [first.kind()], lambda: NOW, threads=4)

    async def cancelled() -> None:
        running = asyncio.create_task(runner.run(asyncio.Event(), poll=3600, grace=5))
        await asyncio.to_thread(runner.on_claimed.wait, 30)
        running.cancel()  # its task cancelled while the claim was being written
        await asyncio.sleep(0)
        runner.go_on.set()
        with contextlib.suppress(asyncio.CancelledError):
            await running

    asyncio.run(cancelled())
    assert first.asked == []
    after = Provider()
    assert EffectRunner(uow_factory, [after.kind()], lambda: NOW).run_due() == 2
    assert sorted(after.asked) == ["a", "b"]
