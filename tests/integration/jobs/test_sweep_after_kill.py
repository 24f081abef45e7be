"""A worker killed (SIGKILL) after recording an update, before or while handling it: the
scheduler's `sweep_inbox` job handles the update afterwards, exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.jobs import scheduled_jobs
from bot.scheduler_passes import engine_sweep
from bot.wiring import build_engine
from store.models import ConversationState, Identity, InboxMessage, InboxStatus, OutboxMessage
from tests.integration.jobs.handler_process import PLATFORM_USER
from tests.integration.jobs.jobs_support import container_on

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("handler_process.py")


def start_worker(
    database_url: str, media_dir: Path, mode: str
) -> tuple[subprocess.Popen[str], int]:
    worker = subprocess.Popen(
        [sys.executable, str(SCRIPT), database_url, str(media_dir), mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    line = worker.stdout.readline()  # blocks until recorded (or the worker died)
    assert line.startswith("recorded "), line
    inbox_id = int(line.split()[1])
    if mode == "mid-handling":
        assert worker.stdout.readline().strip() == "handling"
    return worker, inbox_id


@pytest.mark.parametrize("mode", ["after-record", "mid-handling"])
def test_the_sweep_finishes_what_a_killed_worker_left_exactly_once(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    container = container_on(engine, tmp_path)
    url = container.settings.database_url
    worker, inbox_id = start_worker(url, container.settings.media_dir, mode)
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    assert worker.stdout is not None
    worker.stdout.close()
    try:
        with container.uow_factory(read_only=True) as uow:
            row = uow.session.get(InboxMessage, inbox_id)
            assert row is not None
            assert row.status is InboxStatus.RECEIVED  # recorded, never handled
            assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

        jobs = {
            job.id: job
            for job in scheduled_jobs(container, engine_sweep(lambda: build_engine(container)))
        }
        jobs["sweep_inbox"].run()
        jobs["sweep_inbox"].run()  # the next minute: nothing left

        with container.uow_factory(read_only=True) as uow:
            session = uow.session
            row = session.get(InboxMessage, inbox_id)
            assert row is not None
            assert row.status is InboxStatus.HANDLED
            assert row.attempts == 0  # handled the first time the sweep tried
            [user_id] = session.scalars(
                select(Identity.user_id).where(Identity.platform_user_id == PLATFORM_USER)
            ).all()
            state = session.get(ConversationState, user_id)
            assert state is not None
            assert state.version == 1  # one turn of the conversation, not two
            keys = session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.user_id == user_id)
            ).all()
        assert keys  # she was answered …
        assert all(
            (key or "").startswith(f"inbox:{inbox_id}:") for key in keys
        )  # … for this update
        assert len(keys) == len(set(keys))
    finally:
        container.close()
