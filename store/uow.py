"""The unit of work: one per update or webhook, and the only thing that commits.

    with uow_factory() as uow:
        catalog.approve(uow.session, ...)
        uow.commit()

Leaving the block without ``commit()`` rolls everything back, so a step that fails half-way
writes nothing.

On SQLite only one transaction writes at a time (``BEGIN IMMEDIATE``). A writer that finds
the lock taken is put to sleep by SQLite's busy handler in growing steps (up to 100 ms) and
wakes late, long after a unit of work of a millisecond or two has finished: with a few worker
threads, writers then spend most of their time asleep. So this process's writing units of
work queue on a lock of their own first, and each is woken the moment the one before it ends.
Other processes still meet SQLite's busy timeout, as before.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, read_engine


class UnitOfWork:
    def __init__(self, session: Session, writers: threading.RLock | None = None) -> None:
        self.session = session
        self._committed = False
        self._writers = writers
        self._queued = False

    def __enter__(self) -> Self:
        if self._writers is not None:
            # Past the busy timeout, go on regardless: SQLite's own lock is what protects
            # the data, and it reports a writer stuck that long.
            self._queued = self._writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            # Closing ends (rolls back) any transaction not committed, and detaches objects
            # without expiring them, so what a read-only unit of work loaded stays readable.
            try:
                self.session.close()
            finally:
                if self._queued and self._writers is not None:
                    self._queued = False
                    self._writers.release()

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()
        self._committed = False

    def flush(self) -> None:
        self.session.flush()


class UnitOfWorkFactory:
    """Makes units of work on one engine; ``read_only=True`` for browse-only work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=read_engine(engine), expire_on_commit=False)
        # Re-entrant: a thread may open a unit of work inside another (it did before).
        self._writers = threading.RLock() if is_sqlite(engine) else None

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        if read_only:
            return UnitOfWork(self._read_sessions())
        return UnitOfWork(self._sessions(), self._writers)
