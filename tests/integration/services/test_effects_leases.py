"""The effect runner's claims are short and renewed: while a provider call is slow, the
effect's lease moves forward (nobody else runs it meanwhile); an effect it claimed and never
finished — the runner died — is due again within the short lease."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from store.effect_runner import EffectRunner
from store.services import effects
from store.services.effects import Claimed
from store.uow import UnitOfWorkFactory
from tests.integration.services.test_effects import NOW, Provider, record, stored

PATIENCE = 60.0  # seconds a loaded machine may take; never a measure of speed


class SlowProvider(Provider):
    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.answer = threading.Event()

    def perform(self, claimed: Claimed) -> Mapping[str, Any]:
        self.started.set()
        assert self.answer.wait(PATIENCE)
        return super().perform(claimed)


def due_moved_past(uow_factory: UnitOfWorkFactory, key: str, first: datetime) -> bool:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if stored(uow_factory, key).due_at > first:
            return True
        time.sleep(0.02)
    return False


def test_a_slow_effect_keeps_its_lease_while_the_runner_holds_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record(uow_factory, "refund:slow")
    provider = SlowProvider()
    clock = [NOW]
    runner = EffectRunner(uow_factory, [provider.kind()], lambda: clock[0], threads=1)

    async def scenario() -> bool:
        stop = asyncio.Event()
        running = asyncio.create_task(runner.run(stop, poll=0.05, renew_every=0.05, grace=5))
        await asyncio.to_thread(provider.started.wait, PATIENCE)
        first = stored(uow_factory, "refund:slow").due_at
        clock[0] = NOW + effects.RUNNING_LEASE  # time passes while the call hangs
        moved = await asyncio.to_thread(due_moved_past, uow_factory, "refund:slow", first)
        provider.answer.set()
        stop.set()
        await running
        return moved

    assert asyncio.run(scenario())
    assert provider.asked == ["refund:slow"]  # once: nobody took it when the first lease ended
    assert stored(uow_factory, "refund:slow").status == "done"


def test_an_effect_a_dead_runner_held_is_due_again_within_the_short_lease(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record(uow_factory, "refund:orphan")
    with uow_factory() as uow:  # claimed by a runner that then died
        assert effects.claim_due(uow.session, NOW, 10, effects.RUNNING_LEASE)
        uow.commit()
    assert effects.RUNNING_LEASE.total_seconds() <= 30
    after = Provider()
    runner = EffectRunner(uow_factory, [after.kind()], lambda: NOW + effects.RUNNING_LEASE)
    assert runner.run_due() == 1
    assert after.asked == ["refund:orphan"]
