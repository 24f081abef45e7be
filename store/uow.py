"""The unit of work: one per update or webhook, and the only thing that commits.

    with uow_factory() as uow:
        catalog.approve(uow.session, ...)
        uow.commit()

Leaving the block without ``commit()`` rolls everything back, so a step that fails half-way
writes nothing.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import read_engine


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._committed = False

    def __enter__(self) -> Self:
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
            self.session.close()

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

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        maker = self._read_sessions if read_only else self._sessions
        return UnitOfWork(maker())
