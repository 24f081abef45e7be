"""The effect runner: claims due effects, runs each outside any transaction, and feeds the
result back in a unit of work of its own (`store/services/effects.py` says what an effect is).

Each kind of effect says how to run it (`perform`: the provider call, with the effect's key as
its idempotency key), what to do with its result (`on_done`, in the same unit of work that
marks the effect done: either both are written or neither), what to do when it fails for
good (`on_failed`), and which failures are worth another try (`transient`: a timeout, a 5xx,
a lost connection). Transient failures are tried again after an exponential backoff
(`backoff`); after `max_attempts`, or at once for anything else, the effect fails.

A result whose unit of work fails to commit (the database busy, the process killed) is not
lost: the effect is due again — at once when the failure could be written down, else when
its lease ends — and runs again with the same key; the provider answers as the first time,
and `on_done` is written to be applied once.

`soko run` and `soko scheduler` run it (`bot/effects.py`), woken by every commit that records
an effect — of this process, or on PostgreSQL of another (a web worker's webhook: NOTIFY,
`store/listener.py`); it also looks for due effects every `POLL_SECONDS` (retries coming due).
Its claims are short (`effects.RUNNING_LEASE`) and renewed every `RENEW_SECONDS` while held,
as the senders' are; a one-off pass (`run_due`, `soko admin`) claims for `effects.LEASE`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from store.db import is_database_busy
from store.models.types import utcnow
from store.services import effects
from store.services.effects import Claimed
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0
RENEW_SECONDS = 10.0  # the running effects' leases (`effects.RUNNING_LEASE`) are renewed so often
GRACE_SECONDS = 3.0
# A command waits so long for its effects that a running runner took (the providers' clients
# time out within it), looking this often.
SETTLE_SECONDS = 30.0
SETTLE_POLL_SECONDS = 0.1
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=5)
RESULT_SESSION = "soko_effect_result"  # session.info key while a result is being written
RESULT_NOT_RECORDED = "result not recorded"  # how the error of such an effect begins

Perform = Callable[[Claimed], Mapping[str, Any]]
OnDone = Callable[[Session, Claimed, Mapping[str, Any], datetime], None]
OnFailed = Callable[[Session, Claimed, str, datetime], None]


def _always(_: BaseException) -> bool:
    return True


def _nothing(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
    return None


@dataclass(frozen=True)
class EffectKind:
    name: str
    perform: Perform
    on_done: OnDone
    on_failed: OnFailed = _nothing
    transient: Callable[[BaseException], bool] = _always
    max_attempts: int = 10


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones (1, 2, …)."""
    wait: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(wait, LONGEST_RETRY)


class EffectRunner:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        kinds: Iterable[EffectKind],
        clock: Callable[[], datetime] = utcnow,
        *,
        threads: int = 4,
        lease: timedelta = effects.LEASE,
        running_lease: timedelta = effects.RUNNING_LEASE,
    ) -> None:
        self._uow_factory = uow_factory
        self._kinds = {kind.name: kind for kind in kinds}
        self._clock = clock
        self._threads = threads
        self._lease = lease
        self._running_lease = running_lease

    @property
    def kinds(self) -> list[str]:
        return list(self._kinds)

    # --- one pass (tests, `soko admin`) ------------------------------------------------

    def run_due(self, limit: int = 100) -> int:
        """Run the due effects one after the other, in this thread, each claimed just before
        it runs (claiming them all at once would let a slow provider outlast the leases of
        those waiting, and another runner run them meanwhile). Returns how many were run
        (whatever their outcome)."""
        ran = 0
        while ran < limit and (claimed := self.claim(1)):
            self.run_one(claimed[0])
            ran += 1
        return ran

    def run_recorded(self, since: datetime, timeout: float = SETTLE_SECONDS) -> int:
        """`run_due`, for a command that just recorded effects: then wait, `timeout` seconds at
        most, for those recorded since `since` that another runner took first (a running
        `soko run` or `soko scheduler`, woken by the very commit that recorded them) to end
        their first run, so the command reports their outcome. Returns how many it ran."""
        ran = self.run_due()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._uow_factory(read_only=True) as uow:
                if not effects.first_runs_in_flight(uow.session, since):
                    break
            time.sleep(SETTLE_POLL_SECONDS)
            ran += self.run_due()
        return ran

    def claim(self, limit: int, lease: timedelta | None = None) -> list[Claimed]:
        with self._uow_factory() as uow:
            claimed = effects.claim_due(uow.session, self._clock(), limit, lease or self._lease)
            uow.commit()
        return claimed

    def renew(self, claimed: list[Claimed]) -> list[Claimed]:
        """Renew the leases of effects still held; each as it now stands (its lease end)."""
        until = self._clock() + self._running_lease
        with self._uow_factory() as uow:
            renewed = effects.renew(uow.session, claimed, until)
            uow.commit()
        return [
            dataclasses.replace(effect, leased_until=until) if effect.id in renewed else effect
            for effect in claimed
        ]

    def run_one(self, claimed: Claimed) -> None:
        """Run one claimed effect: the call outside any transaction, then its outcome."""
        kind = self._kinds.get(claimed.kind)
        if kind is None:
            logger.warning("effect %s: no runner for kind %r here", claimed.id, claimed.kind)
            return  # its lease runs out; a process that knows the kind takes it
        try:
            result = kind.perform(claimed)
        except Exception as exc:
            self._failed(kind, claimed, exc)
            return
        try:
            self._done(kind, claimed, result)
        except Exception as exc:
            logger.exception("effect %s (%s): its result was not recorded", claimed.id, kind.name)
            self._again(kind, claimed, f"{RESULT_NOT_RECORDED}: {type(exc).__name__}")

    def _done(self, kind: EffectKind, claimed: Claimed, result: Mapping[str, Any]) -> None:
        with self._uow_factory() as uow:
            uow.session.info[RESULT_SESSION] = kind.name
            now = self._clock()
            if effects.mark_done(uow.session, claimed.id, result, now):
                kind.on_done(uow.session, claimed, result, now)
            else:
                logger.warning("effect %s (%s): already done elsewhere", claimed.id, kind.name)
            uow.commit()

    def _failed(self, kind: EffectKind, claimed: Claimed, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        attempts = claimed.attempts + 1
        transient = kind.transient(exc)
        now = self._clock()
        with self._uow_factory() as uow:
            if transient and attempts < kind.max_attempts:
                when = now + backoff(attempts)
                effects.retry_at(uow.session, claimed.id, error, when)
                logger.warning(
                    "effect %s (%s) failed (%s), try %s; again at %s",
                    claimed.id, kind.name, type(exc).__name__, attempts, when.isoformat(),
                )  # fmt: skip
            else:
                if effects.mark_failed(uow.session, claimed.id, error, now):
                    kind.on_failed(uow.session, claimed, error, now)
                logger.error("effect %s (%s) failed for good: %s", claimed.id, kind.name, error)
            uow.commit()

    def _again(self, kind: EffectKind, claimed: Claimed, error: str) -> None:
        """Its result could not be written: due again at once the first time (the call is
        repeated with the same key, and the provider gives the same answer), then with
        backoff should that go on, and failed for good after the kind's attempts: a result
        handler that always fails must not have the provider called again forever."""
        try:
            with self._uow_factory() as uow:
                now = self._clock()
                if claimed.attempts + 1 >= kind.max_attempts:
                    if effects.mark_failed(uow.session, claimed.id, error, now):
                        kind.on_failed(uow.session, claimed, error, now)
                    logger.error("effect %s (%s) failed for good: %s", claimed.id, kind.name, error)
                else:
                    when = now + (backoff(claimed.attempts) if claimed.attempts else timedelta(0))
                    effects.retry_at(uow.session, claimed.id, error, when)
                uow.commit()
        except Exception:  # the lease ends anyway, and the effect runs again then
            logger.exception("effect %s: could not be set due again", claimed.id)

    # --- the long-running loop -------------------------------------------------------------

    async def run(
        self,
        stop: asyncio.Event,
        *,
        poll: float = POLL_SECONDS,
        grace: float = GRACE_SECONDS,
        renew_every: float = RENEW_SECONDS,
    ) -> None:
        """Run effects until `stop`: as soon as a commit records one (here, or in another
        process on PostgreSQL: `store/listener.py`), and every `poll` seconds. What it claims
        has a short lease (`effects.RUNNING_LEASE`), renewed every `renew_every` seconds
        while the effect is claimed or running, so a runner that died frees its effects
        within seconds. Effects run in up to `threads` threads, so one provider that hangs (until
        its client's timeout) holds one thread, not the others. At `stop`, nothing new is
        claimed and the effects running get `grace` seconds to finish; one still running
        then keeps its lease, and runs again (same key) when it ends. Effects claimed and
        not started — the stop came while they were being claimed, or this task was
        cancelled — are handed back, due at once for the next runner."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        busy = 0
        running: dict[Future[None], Claimed] = {}  # submitted, not finished (or cancelled)

        def woken() -> None:
            loop.call_soon_threadsafe(wake.set)

        def one_finished() -> None:  # in the loop's thread
            nonlocal busy
            busy -= 1
            wake.set()

        def finished(future: Future[None]) -> None:
            if not future.cancelled():  # a cancelled one never started: handed back below
                running.pop(future, None)
            loop.call_soon_threadsafe(one_finished)

        async def renew() -> None:
            held = [(f, e) for f, e in list(running.items()) if not f.done()]
            if not held:
                return
            try:
                renewed = await asyncio.to_thread(self.renew, [e for _, e in held])
            except Exception as exc:  # the next renewal tries again, within the lease
                logger.warning("effects: leases not renewed (%s)", type(exc).__name__)
                return
            for (future, _), effect in zip(held, renewed, strict=True):
                if future in running and not future.done():
                    running[future] = effect

        forget = effects.on_recorded(woken)
        pool = ThreadPoolExecutor(self._threads, thread_name_prefix="effects")
        renewed_at = loop.time()
        try:
            while not stop.is_set():
                if loop.time() - renewed_at >= renew_every:
                    renewed_at = loop.time()
                    await renew()
                wake.clear()
                free = self._threads - busy
                if free > 0:
                    try:
                        claimed = await self._claim(free)
                    except Exception as exc:
                        if not is_database_busy(exc):
                            logger.exception("effects: claiming failed; trying again")
                        else:
                            logger.warning("effects: the database is busy (%s)", type(exc).__name__)
                        claimed = []
                    if stop.is_set():  # the stop came while claiming: start nothing new
                        await asyncio.to_thread(self.hand_back, claimed)
                        break
                    for effect in claimed:
                        busy += 1
                        future = pool.submit(self.run_one, effect)
                        running[future] = effect
                        future.add_done_callback(finished)
                    if len(claimed) == free:
                        continue  # maybe more are due
                stopping = asyncio.ensure_future(stop.wait())
                waking = asyncio.ensure_future(wake.wait())
                await asyncio.wait({stopping, waking}, timeout=poll, return_when="FIRST_COMPLETED")
                stopping.cancel()
                waking.cancel()
        finally:
            forget()
            pool.shutdown(wait=False, cancel_futures=True)
            left = list(running.items())  # one copy: threads still finishing remove theirs
            unstarted = [effect for future, effect in left if future.cancelled()]
            if unstarted:
                await asyncio.to_thread(self.hand_back, unstarted)
            started = {future for future, _ in left if not future.cancelled()}
            if started:
                await asyncio.to_thread(wait_for, started, timeout=grace)

    async def _claim(self, limit: int) -> list[Claimed]:
        """Claim in a thread. Should this task be cancelled meanwhile, the claim still ends
        in its thread, and what it took is handed back rather than left under a lease."""
        claiming = asyncio.ensure_future(asyncio.to_thread(self.claim, limit, self._running_lease))
        try:
            return await asyncio.shield(claiming)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.hand_back, await claiming)
            raise

    def hand_back(self, claimed: list[Claimed]) -> None:
        """Effects claimed and not started: due again now (`effects.hand_back`)."""
        if not claimed:
            return
        try:
            with self._uow_factory() as uow:
                handed = effects.hand_back(uow.session, claimed, self._clock())
                uow.commit()
        except Exception:  # their leases end anyway, and they run then
            logger.exception("effects: could not hand back %s claimed effect(s)", len(claimed))
            return
        logger.info("effects: %s claimed but not started, handed back", handed)
