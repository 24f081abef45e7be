"""Timed work with APScheduler 3: its SQLAlchemy job store on the main database, jobs in threads.

`soko scheduler` runs it alone (deployments with N `soko web` workers); `soko run` runs it in
its own process. Exactly one scheduler may run against a database at a time (APScheduler 3's
job store is not shared between schedulers): only the process holding the scheduler lock
starts one (`bot.leadership`).

The jobs (`bot/jobs.py`) are plain functions of a unit-of-work factory and `now`
(`conversations/jobs/`, `conversations/reservations.py`), or a channel's inbox sweep.
APScheduler keeps each job's trigger and next run in the `apscheduler_jobs` table (created by
the migrations); the callables themselves are closures over this process's container, which
cannot be pickled, so every stored job names `run_unbound` and `BoundJobStore` swaps in the
callable of the same id whenever it loads a job. Every job: `max_instances=1`,
`coalesce=True` (a backlog of missed runs is one run), a misfire grace time fitting its period,
cron times in the artisans' zone (Africa/Nairobi). Each job is idempotent, so a run repeated
after a crash changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import Engine

from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.lifecycle import GRACE_SECONDS
from bot.plugin import ChannelPasses, ScheduledJob
from store import heartbeats
from store.models import SCHEDULER_JOBS_TABLE
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

UNBOUND = f"{__name__}:run_unbound"


def run_unbound(*args: Any) -> None:
    """What a stored job runs when this process has no callable for its id (never, unless a
    job was left in the table by another version)."""
    logger.warning("scheduled job without a runner in this process; skipped")


class BoundJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """APScheduler's SQLAlchemy job store, each loaded job bound to this process's callable."""

    def __init__(self, engine: Engine, runners: Mapping[str, Callable[[], object]]) -> None:
        super().__init__(engine=engine, tablename=SCHEDULER_JOBS_TABLE)
        self._runners = dict(runners)
        self._shut = False

    def _reconstitute_job(self, job_state: bytes) -> Any:
        job = super()._reconstitute_job(job_state)
        job.func = self._runners.get(job.id, run_unbound)
        return job

    def get_due_jobs(self, now: datetime) -> list[Any]:
        # APScheduler 3 looks for due jobs once more after shutting its executor down, and
        # logs an error for each it can no longer submit.
        return [] if self._shut else super().get_due_jobs(now)

    def shutdown(self) -> None:
        self._shut = True
        super().shutdown()


def build_scheduler(
    engine: Engine, jobs: Sequence[ScheduledJob], zone: ZoneInfo, *, threads: int = 4
) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": BoundJobStore(engine, {job.id: job.run for job in jobs})},
        executors={"default": ThreadPoolExecutor(threads)},
        job_defaults={"max_instances": 1, "coalesce": True},
        timezone=zone,
    )


def install_jobs(scheduler: BackgroundScheduler, jobs: Sequence[ScheduledJob]) -> None:
    """Put `jobs` in the store, replacing what is there by id and removing jobs no longer
    wanted. A job whose trigger did not change keeps its stored next run, so a run that came
    due while no scheduler was running still happens (within its grace time)."""
    wanted = {job.id for job in jobs}
    for stored in scheduler.get_jobs():
        if stored.id not in wanted:
            stored.remove()
    for job in jobs:
        stored = scheduler.get_job(job.id)
        keep: dict[str, Any] = {}
        if stored is not None and stored.next_run_time and _same_trigger(stored.trigger, job):
            keep["next_run_time"] = stored.next_run_time
        scheduler.add_job(
            UNBOUND,
            job.trigger,
            id=job.id,
            name=job.description,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_time,
            **keep,
        )


def _same_trigger(stored: BaseTrigger, job: ScheduledJob) -> bool:
    return str(stored) == str(job.trigger) and getattr(stored, "timezone", None) == getattr(
        job.trigger, "timezone", None
    )


async def run_scheduler(
    container: Container,
    stop: asyncio.Event,
    passes: ChannelPasses,
    *,
    clock: Callable[[], datetime] = utcnow,
    grace: float = GRACE_SECONDS,
) -> None:
    """Run every job until `stop` is set; then start no more, and give the running jobs
    `grace` seconds to finish."""
    zone = ZoneInfo(container.settings.artisan_timezone)
    jobs = scheduled_jobs(container, passes, clock=clock)
    scheduler = build_scheduler(container.engine, jobs, zone)
    await asyncio.to_thread(scheduler.start, paused=True)
    try:
        await asyncio.to_thread(install_jobs, scheduler, jobs)
        scheduler.resume()
        logger.info("scheduler: %s jobs", len(jobs))
        await stop.wait()
    finally:
        scheduler.pause()  # no job starts from now on
        scheduler.wakeup()  # (its loop sees that now, not at its next due time)
        await _shut_down(scheduler, grace)


async def _shut_down(scheduler: BackgroundScheduler, grace: float) -> None:
    """Stop the scheduler, waiting up to `grace` seconds for the jobs running (in a thread of
    its own: a job stuck on a network call must not hold up the rest of the stop)."""
    shutting = threading.Thread(
        target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-stop", daemon=True
    )
    shutting.start()
    await asyncio.to_thread(shutting.join, grace)
    if shutting.is_alive():
        logger.warning("scheduler: a job still running after %.0fs is left behind", grace)


# --- what others read -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredJob:
    id: str
    trigger: str
    next_run: datetime | None  # UTC; None = paused


def stored_jobs(engine: Engine, zone: ZoneInfo) -> list[StoredJob]:
    """The jobs in the job store, as the scheduler left them (for `soko admin jobs`)."""
    scheduler = build_scheduler(engine, [], zone, threads=1)
    scheduler.start(paused=True)
    try:
        return [
            StoredJob(
                job.id,
                str(job.trigger),
                job.next_run_time.astimezone(UTC) if job.next_run_time else None,
            )
            for job in sorted(scheduler.get_jobs(), key=lambda job: job.id)
        ]
    finally:
        scheduler.shutdown(wait=False)


def scheduler_alive(
    uow_factory: UnitOfWorkFactory, now: datetime, *, within: timedelta = timedelta(seconds=15)
) -> bool:
    """The process holding the scheduler lock beats `scheduler` every few seconds
    (`bot.leadership`); one that stopped (or never ran) leaves it behind `now`."""
    with uow_factory(read_only=True) as uow:
        beats = heartbeats.last_beats(uow.session)
    return not heartbeats.stale(beats, [heartbeats.SCHEDULER], now, within)
