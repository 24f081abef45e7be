"""Effects in the store, and the runner: recorded once per key, claimed by one runner at a
time under a lease, tried again with backoff on transient failures, failed for good on the
others, and the runner woken by the commit that records one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.effect_runner import EffectKind, EffectRunner, backoff
from store.models import Effect, EffectStatus
from store.services import effects
from store.services.effects import Claimed
from store.uow import UnitOfWorkFactory

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Transient(Exception):
    pass


class Refused(Exception):
    pass


class Provider:
    """Stands in for Stripe: answers from a script, remembering each key it was asked."""

    def __init__(self, *script: Exception | None) -> None:
        self.script = list(script)
        self.asked: list[str] = []
        self.done: list[tuple[str, Mapping[str, Any]]] = []
        self.failed: list[str] = []

    def perform(self, claimed: Claimed) -> Mapping[str, Any]:
        self.asked.append(claimed.key)
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return {"id": f"re_{claimed.key}"}

    def kind(self, **kwargs: Any) -> EffectKind:
        def on_done(session: Session, claimed: Claimed, result: Mapping[str, Any], _: Any) -> None:
            self.done.append((claimed.key, result))

        def on_failed(session: Session, claimed: Claimed, error: str, _: Any) -> None:
            self.failed.append(claimed.key)

        return EffectKind(
            "test.call",
            self.perform,
            on_done,
            on_failed,
            lambda exc: isinstance(exc, Transient),
            **kwargs,
        )


def record(uow_factory: UnitOfWorkFactory, key: str, when: datetime = NOW) -> int:
    with uow_factory() as uow:
        effect = effects.record(uow.session, "test.call", key, {"amount": 5}, when)
        uow.commit()
        return effect.id


def stored(uow_factory: UnitOfWorkFactory, key: str) -> Effect:
    with uow_factory(read_only=True) as uow:
        return uow.session.scalars(select(Effect).where(Effect.key == key)).one()


def test_the_same_key_recorded_twice_is_one_effect(uow_factory: UnitOfWorkFactory) -> None:
    assert record(uow_factory, "refund:SK-1:order-0") == record(uow_factory, "refund:SK-1:order-0")
    with uow_factory(read_only=True) as uow:
        assert len(uow.session.scalars(select(Effect)).all()) == 1


def test_a_claimed_effect_is_nobody_elses_until_its_lease_ends(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record(uow_factory, "a")
    with uow_factory() as uow:
        [claimed] = effects.claim_due(uow.session, NOW, 10, timedelta(minutes=2))
        uow.commit()
    assert claimed.key == "a"
    with uow_factory() as uow:
        assert effects.claim_due(uow.session, NOW + timedelta(minutes=1), 10) == []
        [again] = effects.claim_due(uow.session, NOW + timedelta(minutes=3), 10)
        uow.commit()
    assert again.id == claimed.id


def test_runners_in_parallel_run_each_effect_once(uow_factory: UnitOfWorkFactory) -> None:
    for n in range(20):
        record(uow_factory, f"k{n}")
    provider = Provider()
    runners = [EffectRunner(uow_factory, [provider.kind()], lambda: NOW) for _ in range(4)]
    threads = [threading.Thread(target=runner.run_due, kwargs={"limit": 3}) for runner in runners]
    for _ in range(3):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        threads = [threading.Thread(target=r.run_due, kwargs={"limit": 3}) for r in runners]
    EffectRunner(uow_factory, [provider.kind()], lambda: NOW).run_due()
    assert sorted(provider.asked) == sorted(f"k{n}" for n in range(20))
    assert len(provider.done) == 20


def test_transient_failures_are_tried_again_with_backoff_then_fail_for_good(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record(uow_factory, "slow")
    provider = Provider(Transient("timeout"), Transient("503"), Transient("503"))
    clock = [NOW]
    runner = EffectRunner(uow_factory, [provider.kind(max_attempts=3)], lambda: clock[0])
    assert runner.run_due() == 1
    effect = stored(uow_factory, "slow")
    assert (effect.status, effect.attempts, effect.due_at) == (
        EffectStatus.PENDING,
        1,
        NOW + backoff(1),
    )
    assert "timeout" in effect.error
    assert runner.run_due() == 0  # not due yet
    clock[0] = NOW + timedelta(minutes=10)
    assert runner.run_due() == 1
    assert stored(uow_factory, "slow").due_at == clock[0] + backoff(2)
    clock[0] += timedelta(minutes=10)
    assert runner.run_due() == 1
    assert stored(uow_factory, "slow").status == EffectStatus.FAILED
    assert provider.failed == ["slow"]
    assert provider.asked == ["slow"] * 3
    assert provider.done == []


def test_a_refusal_fails_at_once_and_a_success_is_done_with_its_result(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record(uow_factory, "refused")
    record(uow_factory, "fine")
    provider = Provider(Refused("no such payment"), None)
    assert EffectRunner(uow_factory, [provider.kind()], lambda: NOW).run_due() == 2
    assert stored(uow_factory, "refused").status == EffectStatus.FAILED
    assert provider.failed == ["refused"]
    fine = stored(uow_factory, "fine")
    assert (fine.status, fine.result) == (EffectStatus.DONE, {"id": "re_fine"})
    assert provider.done == [("fine", {"id": "re_fine"})]


def test_backoff_doubles_up_to_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(30) == timedelta(minutes=5)


def test_a_commit_that_records_an_effect_wakes_the_runner_and_a_rollback_does_not(
    uow_factory: UnitOfWorkFactory,
) -> None:
    woken: list[int] = []
    forget = effects.on_recorded(lambda: woken.append(1))
    try:
        with uow_factory() as uow:
            effects.record(uow.session, "test.call", "rolled-back", {}, NOW)
            uow.rollback()
        with uow_factory() as uow:
            uow.session.execute(select(Effect.id))
            uow.commit()
        assert woken == []
        record(uow_factory, "committed")
        assert woken == [1]
    finally:
        forget()


def test_the_running_loop_runs_an_effect_as_soon_as_it_is_committed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    provider = Provider()
    recorded = threading.Event()
    kind = provider.kind()
    runner = EffectRunner(
        uow_factory,
        [
            replace(
                kind,
                on_done=lambda *args: (kind.on_done(*args), recorded.set()),  # type: ignore[func-returns-value]
            )
        ],
    )

    async def scenario() -> bool:
        stop = asyncio.Event()
        # A poll far longer than the wait below: only the commit's wake-up can run it.
        running = asyncio.create_task(runner.run(stop, poll=3600))
        await asyncio.sleep(0.1)  # the loop is waiting
        await asyncio.to_thread(record, uow_factory, "now", datetime.now(UTC))
        woken = await asyncio.to_thread(recorded.wait, 30)
        stop.set()
        await running
        return woken

    assert asyncio.run(scenario())
    assert provider.asked == ["now"]


def test_a_result_that_can_never_be_recorded_stops_calling_the_provider(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A result handler with a bug must not have Stripe asked again forever (after a day
    Stripe forgets the idempotency key, and a refund would go out twice)."""
    record(uow_factory, "refund")
    provider = Provider()
    kind = provider.kind(max_attempts=3)

    def broken(session: Session, claimed: Claimed, result: Mapping[str, Any], _: Any) -> None:
        raise RuntimeError("a bug in the result handler")

    clock = [NOW]
    runner = EffectRunner(uow_factory, [replace(kind, on_done=broken)], lambda: clock[0])
    for _ in range(6):
        runner.run_due()
        clock[0] += timedelta(hours=1)
    assert provider.asked == ["refund"] * 3
    assert stored(uow_factory, "refund").status == EffectStatus.FAILED
    assert provider.failed == ["refund"]


def test_a_real_result_beats_a_failure_recorded_meanwhile(uow_factory: UnitOfWorkFactory) -> None:
    """Two runners, one refused by Stripe for calling in parallel with the same key: the one
    that got the answer still records it."""
    effect_id = record(uow_factory, "session")
    with uow_factory() as uow:
        assert effects.mark_failed(uow.session, effect_id, "IdempotencyError", NOW)
        uow.commit()
    with uow_factory() as uow:
        assert effects.mark_done(uow.session, effect_id, {"id": "cs_1"}, NOW)
        uow.commit()
    assert stored(uow_factory, "session").status == EffectStatus.DONE


def test_a_command_waits_for_its_effect_another_runner_took_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """`soko admin reconcile` records a query and runs what is due; a running `soko run`,
    woken by that very commit, may claim it first. The command then waits for its outcome
    rather than reporting it as not yet run."""
    record(uow_factory, "query:SK-1")
    provider = Provider()
    running = EffectRunner(uow_factory, [provider.kind()], lambda: NOW)
    [taken] = running.claim(1)  # the other process's runner took it first
    finishing = threading.Timer(0.5, running.run_one, args=[taken])
    finishing.start()
    command = EffectRunner(uow_factory, [provider.kind()], lambda: NOW)

    assert command.run_recorded(since=NOW) == 0  # it ran nothing itself…
    assert stored(uow_factory, "query:SK-1").status == EffectStatus.DONE  # …and saw it done
    finishing.join()
    assert provider.asked == ["query:SK-1"]


def test_only_first_runs_of_effects_recorded_since_are_in_flight(
    uow_factory: UnitOfWorkFactory,
) -> None:
    record(uow_factory, "tried")
    record(uow_factory, "taken")
    runner = EffectRunner(uow_factory, [Provider(Transient("503")).kind()], lambda: NOW)
    [tried] = runner.claim(1)
    runner.run_one(tried)  # tried once: waiting out its backoff, no longer a first run
    [taken] = runner.claim(1)  # another runner holds this one
    assert (tried.key, taken.key) == ("tried", "taken")
    with uow_factory(read_only=True) as uow:
        assert effects.first_runs_in_flight(uow.session, NOW) == 1
        assert effects.first_runs_in_flight(uow.session, NOW + timedelta(seconds=1)) == 0
