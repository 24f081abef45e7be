"""The scheduler lock: at most one process per database runs the scheduled jobs, the senders
and the effect runner (`soko scheduler`, `soko run`); a second waits, a hot standby, and takes
over within seconds of the first's death.

PostgreSQL: a session-level advisory lock, held on a connection of its own (outside the pool,
with TCP keepalives), so it lives exactly as long as that connection: PostgreSQL releases it
when the process dies or the connection drops, and the holder learns it lost it when the
connection stops answering (`still_held`). SQLite (one machine): `flock` on a file next to the
database, which the kernel releases when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from store.heartbeats import SCHEDULER
from store.models import heartbeats

# PostgreSQL advisory lock key of the scheduler ("soko" "schd" in ASCII); schema changes
# take another (`store.migrate`).
LOCK_KEY = 0x736F6B6F_73636864
# How often a standby tries the lock, and a holder checks it still has it (seconds).
TRY_EVERY = 1.0
CHECK_EVERY = 2.0
# A connection that stops answering is given up after about this many seconds.
_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "connect_timeout": 5,
}


class SchedulerLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process now holds it."""

    def still_held(self) -> bool:
        """While held: False once the lock is lost (its connection gone)."""

    def release(self) -> None:
        """Let it go (nothing when not held); the lock can be tried again after."""

    def close(self) -> None:
        """Release, and close what the lock holds open."""


def scheduler_lock(engine: Engine) -> SchedulerLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return FileLock(lock_path(engine))


def lock_path(engine: Engine) -> Path | None:
    """`<database file>.scheduler.lock`; None for an in-memory database (one process)."""
    database = engine.url.database or ""
    if database in ("", ":memory:") or "mode=memory" in database:
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(f"{path.name}.scheduler.lock")


def lock_holder(session: Session) -> str | None:
    """Who last beat as the scheduler ("host:pid"), as far as the heartbeats say."""
    return session.scalar(select(heartbeats.c.holder).where(heartbeats.c.name == SCHEDULER))


class AdvisoryLock:
    """`pg_try_advisory_lock` on a connection that is this lock's alone."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self._key = key
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={**_KEEPALIVE, "application_name": "soko scheduler lock"},
            isolation_level="AUTOCOMMIT",  # a session lock; no transaction left open
            hide_parameters=True,
        )
        self._connection: Connection | None = None
        self._held = False

    def try_acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
            taken = self._connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
        except DBAPIError:
            self._drop()
            return False
        self._held = bool(taken)
        return self._held

    def still_held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            self._connection.scalar(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None and self._held:
            # A connection already gone took the lock with it.
            with contextlib.suppress(DBAPIError):
                self._connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        self._drop()

    def close(self) -> None:
        self.release()
        self._engine.dispose()

    def _drop(self) -> None:
        self._held = False
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.invalidate()
                connection.close()
            except DBAPIError:
                pass


class FileLock:
    """`flock` on `path` (None: an in-memory database, which only this process sees)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._file: IO[bytes] | None = None
        self._held = False

    def try_acquire(self) -> bool:
        if self._held:
            return True
        if self._path is None:
            self._held = True
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = self._path.open("a+b")
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.close()
            return False
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"{os.getpid()}\n".encode())
        lock_file.flush()
        self._file = lock_file
        self._held = True
        return True

    def still_held(self) -> bool:
        return self._held  # the kernel keeps it as long as the file is open

    def release(self) -> None:
        self._held = False
        if self._file is not None:
            lock_file, self._file = self._file, None
            lock_file.close()  # closing the last descriptor releases the lock

    def close(self) -> None:
        self.release()
