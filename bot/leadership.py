"""The process that runs the scheduled jobs, the senders and the effect runner holds the
scheduler lock (`store.leader`): `soko scheduler` and `soko run` take it before they start
any of that (`bot.lifecycle.serve(..., leader=True)`). A second one waits — a hot standby —
trying the lock every second, and takes over when the holder dies. While it holds the lock a
process beats the `scheduler` heartbeat every few seconds (what /healthz reads) and checks the
lock is still its own; one that lost it stops at once (exit status 1: its supervisor restarts
it, as a standby)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.container import Container
from store import heartbeats
from store.leader import CHECK_EVERY, TRY_EVERY, SchedulerLock, lock_holder
from store.models.types import utcnow

logger = logging.getLogger(__name__)

BEAT_EVERY = 5.0


class LockLost(Exception):
    """This process no longer holds the scheduler lock: it must stop sending."""


def take_lock(container: Container, lock: SchedulerLock, stopping: threading.Event) -> bool:
    """Block until this process holds the lock (True), or `stopping` is set (False). Said
    once, at INFO, when another process holds it."""
    if lock.try_acquire():
        logger.info("scheduler lock taken: this process runs the scheduler")
        return True
    logger.info(
        "standby: the scheduler lock is held by %s; this process waits to take over",
        _holder(container),
    )
    while not stopping.wait(TRY_EVERY):
        if lock.try_acquire():
            logger.info("scheduler lock taken: this process runs the scheduler now")
            return True
    return False


async def hold(container: Container, lock: SchedulerLock, stop: asyncio.Event) -> None:
    """While `stop` is not set: beat `scheduler` every `BEAT_EVERY` seconds and check the
    lock every `CHECK_EVERY`. A lost lock sets `stop` and raises `LockLost`."""
    loop = asyncio.get_running_loop()
    next_beat = loop.time()
    while not stop.is_set():
        if loop.time() >= next_beat:
            await asyncio.to_thread(beat, container)
            next_beat = loop.time() + BEAT_EVERY
        if not await asyncio.to_thread(lock.still_held):
            logger.error("scheduler lock lost (its database connection is gone): stopping")
            stop.set()
            raise LockLost()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), min(CHECK_EVERY, next_beat - loop.time()))


async def beating(container: Container, stop: asyncio.Event) -> None:
    """Beat `scheduler` every `BEAT_EVERY` seconds until `stop`: for a process that runs the
    scheduler without the lock (`soko demo`, on a shop of its own)."""
    while not stop.is_set():
        await asyncio.to_thread(beat, container)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), BEAT_EVERY)


def beat(container: Container, now: datetime | None = None) -> None:
    """One `scheduler` heartbeat, in a unit of work of its own; a database that does not
    answer is logged (the next beat tries again; the lock check decides about stopping)."""
    try:
        with container.uow_factory() as uow:
            heartbeats.beat(uow.session, heartbeats.SCHEDULER, now or utcnow())
            uow.commit()
    except SQLAlchemyError as exc:
        logger.warning("scheduler heartbeat not written (%s)", type(exc).__name__)


def _holder(container: Container) -> str:
    try:
        with container.uow_factory(read_only=True) as uow:
            return lock_holder(uow.session) or "another process"
    except SQLAlchemyError:
        return "another process"
