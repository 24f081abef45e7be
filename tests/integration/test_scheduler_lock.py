"""The scheduler lock (`store.leader`), on SQLite and PostgreSQL: one holder at a time; a
second waits and takes it once the first lets go, or once the first's process dies (SIGKILL:
no goodbye) or, on PostgreSQL, its connection is cut — which the first then notices."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from store.leader import AdvisoryLock, SchedulerLock, lock_path, scheduler_lock
from tests.e2e.soko_process import wait_until

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from store.db import make_engine
from store.leader import scheduler_lock
lock = scheduler_lock(make_engine(sys.argv[1]))
print("held" if lock.try_acquire() else "refused", flush=True)
time.sleep(600)
"""


@pytest.fixture
def locks(engine: Engine) -> Iterator[list[SchedulerLock]]:
    made: list[SchedulerLock] = []
    yield made
    for lock in made:
        lock.close()


def new_lock(engine: Engine, made: list[SchedulerLock]) -> SchedulerLock:
    lock = scheduler_lock(engine)
    made.append(lock)
    return lock


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_one_holder_at_a_time_and_the_next_takes_over_when_it_lets_go(
    engine: Engine, locks: list[SchedulerLock]
) -> None:
    first, second = new_lock(engine, locks), new_lock(engine, locks)

    assert first.try_acquire()
    assert not second.try_acquire()
    assert not second.try_acquire()  # trying again changes nothing
    assert first.still_held()

    first.release()

    assert not first.still_held()
    assert second.try_acquire()
    assert not first.try_acquire()


def test_a_killed_holder_leaves_the_lock_to_the_standby(
    engine: Engine, locks: list[SchedulerLock]
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url_of(engine)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        standby = new_lock(engine, locks)
        assert not standby.try_acquire()

        holder.kill()
        holder.wait()

        wait_until(standby.try_acquire, 30, "the standby to take the lock")
        assert standby.still_held()
    finally:
        holder.kill()
        holder.communicate()


def test_a_sqlite_lock_is_a_file_next_to_the_database(sqlite_engine: Engine) -> None:
    database = Path(sqlite_engine.url.database or "")
    assert lock_path(sqlite_engine) == database.with_name(f"{database.name}.scheduler.lock")


def test_a_holder_whose_connection_is_cut_knows_it_lost_the_lock(
    postgres_engine: Engine, locks: list[SchedulerLock]
) -> None:
    holder = new_lock(postgres_engine, locks)
    assert isinstance(holder, AdvisoryLock)
    standby = new_lock(postgres_engine, locks)
    assert holder.try_acquire()

    with postgres_engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'soko scheduler lock' AND pid <> pg_backend_pid()"
                # only this test's: other tests' shops on this server hold theirs
                " AND datname = current_database()"
            )
        )
        connection.commit()

    assert not holder.still_held()
    wait_until(standby.try_acquire, 30, "the standby to take the lock")


def test_the_server_gives_up_a_silent_holder_within_seconds(
    postgres_engine: Engine, locks: list[SchedulerLock]
) -> None:
    # The holder's machine lost (power, network): no FIN, no RST. PostgreSQL releases the lock
    # only when it finds the connection dead, which with the server's own TCP settings (the
    # kernel's: two hours of silence) leaves the standby waiting that long. The lock's
    # connection asks the server for short keepalives and a user timeout of its own.
    holder = new_lock(postgres_engine, locks)
    assert holder.try_acquire()
    assert isinstance(holder, AdvisoryLock)
    connection = holder._connection
    assert connection is not None
    server_side = {
        name: connection.scalar(
            text("SELECT setting FROM pg_settings WHERE name = :name"), {"name": name}
        )
        for name in ("tcp_keepalives_idle", "tcp_keepalives_count", "tcp_user_timeout")
    }
    assert server_side == {
        "tcp_keepalives_idle": "5",  # seconds
        "tcp_keepalives_count": "3",
        "tcp_user_timeout": "10000",  # milliseconds
    }
