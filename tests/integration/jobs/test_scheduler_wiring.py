"""The scheduler puts every job, with its trigger, in APScheduler's SQLAlchemy job store on the
main database; `soko admin jobs` lists them; /healthz can tell a live scheduler from the table."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from bot import cli
from bot.jobs import scheduled_jobs
from bot.leadership import beat
from bot.plugin import ChannelPasses
from bot.scheduler import (
    build_scheduler,
    install_jobs,
    run_scheduler,
    scheduler_alive,
    stored_jobs,
)
from store.models import scheduler_jobs
from store.uow import UnitOfWorkFactory
from tests.integration.jobs.jobs_support import container_on, stripe_settings

NAIROBI = ZoneInfo("Africa/Nairobi")
EXPECTED_TRIGGERS = {
    "expire_unpaid_orders": "interval[0:01:00]",
    "sweep_inbox": "interval[0:00:05]",
    "send_held_alerts": "interval[0:01:00]",
    "send_stripe_refunds": "interval[0:01:00]",
    "reconcile_stripe": "interval[0:10:00]",
    "remind_artisans": "cron[hour='9', minute='0']",
    "mentor_digest": "cron[day_of_week='mon', hour='8', minute='0']",
    "nudge_abandoned_carts": "interval[0:15:00]",
    "clean_stale_drafts": "cron[hour='10', minute='0']",
    "remove_raw_photos": "interval[1:00:00]",
    "deliver_shipped_orders": "interval[1:00:00]",
    "follow_up_orders": "cron[hour='11', minute='0']",
    "payouts_summary": "cron[day_of_week='mon', hour='9', minute='0']",
    "manager_week": "cron[day_of_week='mon', hour='8', minute='30']",
}


def _passes() -> ChannelPasses:
    return ChannelPasses(sweep=[lambda: 0])


def test_every_job_lands_in_the_sqlalchemy_job_store_with_its_trigger(
    engine: Engine, tmp_path: Path
) -> None:
    container = container_on(engine, tmp_path, **stripe_settings())
    try:
        stop = asyncio.Event()
        stop.set()  # install the jobs, then stop at once
        asyncio.run(run_scheduler(container, stop, _passes()))
        with engine.connect() as connection:
            rows = connection.execute(
                select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time)
            ).all()
        assert {row.id for row in rows} == set(EXPECTED_TRIGGERS)
        assert all(row.next_run_time is not None for row in rows)
        jobs = {job.id: job for job in stored_jobs(container.engine, NAIROBI)}
        for job_id, trigger in EXPECTED_TRIGGERS.items():
            assert jobs[job_id].trigger == trigger
    finally:
        container.close()


def test_installing_again_replaces_by_id_and_drops_jobs_no_longer_wanted(
    engine: Engine, tmp_path: Path
) -> None:
    with_stripe = container_on(engine, tmp_path, **stripe_settings())
    without = container_on(engine, tmp_path)
    try:
        for container in (with_stripe, with_stripe, without):
            jobs = scheduled_jobs(container, _passes())
            scheduler = build_scheduler(container.engine, jobs, NAIROBI)
            scheduler.start(paused=True)
            install_jobs(scheduler, jobs)
            scheduler.shutdown(wait=False)
        ids = {job.id for job in stored_jobs(without.engine, NAIROBI)}
        assert "send_stripe_refunds" not in ids
        assert "reconcile_stripe" not in ids
        assert {"expire_unpaid_orders", "sweep_inbox"} <= ids
    finally:
        with_stripe.close()
        without.close()


def test_an_unchanged_job_keeps_a_run_that_came_due_while_no_scheduler_ran(
    engine: Engine, tmp_path: Path
) -> None:
    container = container_on(engine, tmp_path)
    try:
        jobs = scheduled_jobs(container, _passes())
        scheduler = build_scheduler(container.engine, jobs, NAIROBI)
        scheduler.start(paused=True)
        install_jobs(scheduler, jobs)
        missed = datetime.now(UTC) - timedelta(minutes=5)
        scheduler.modify_job("sweep_inbox", next_run_time=missed)
        install_jobs(scheduler, jobs)  # a restart
        job = scheduler.get_job("sweep_inbox")
        scheduler.shutdown(wait=False)
        assert job.next_run_time == missed
    finally:
        container.close()


def test_soko_admin_jobs_prints_each_job_trigger_and_next_run(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    assert cli.main(["admin", "jobs"]) == 0
    assert "no jobs scheduled yet" in capsys.readouterr().out

    container = container_on(engine, tmp_path, **stripe_settings())
    try:
        stop = asyncio.Event()
        stop.set()
        asyncio.run(run_scheduler(container, stop, _passes()))
    finally:
        container.close()
    assert cli.main(["admin", "jobs"]) == 0
    out = capsys.readouterr().out
    assert "Africa/Nairobi / UTC" in out
    for job_id, trigger in EXPECTED_TRIGGERS.items():
        [line] = [line for line in out.splitlines() if line.startswith(job_id + " ")]
        assert trigger in line
        assert line.endswith(" UTC")


def test_the_heartbeat_tells_a_live_scheduler_from_a_stopped_one(
    engine: Engine, tmp_path: Path
) -> None:
    uow_factory = UnitOfWorkFactory(engine)
    now = datetime.now(UTC)
    assert not scheduler_alive(uow_factory, now)  # never ran
    container = container_on(engine, tmp_path)
    try:
        beat(container, now)  # what the process holding the scheduler lock does every 5 s
    finally:
        container.close()
    assert scheduler_alive(uow_factory, now + timedelta(seconds=15))
    assert not scheduler_alive(uow_factory, now + timedelta(seconds=16))
