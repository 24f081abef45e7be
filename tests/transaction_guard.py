"""The rule "no network and no heavy CPU inside a database transaction", as a test guard.

`TransactionGuard` knows, per thread, whether a transaction is open: a unit of work entered
(on SQLite it holds the writer lock from its first line) or a SQLAlchemy connection in a
transaction (seen through the `begin` event of every Engine). While it is on, the calls that
must never happen then are wrapped: the photo pipeline's entry point (`process_photo`, in
every module that imported it) and botocore's HTTP send (every S3 call, retries included).
Such a call made with a transaction open on the same thread raises `OutsideWorkInTransaction`
and is recorded; the fixture (`no_io_in_transactions`, in tests/conftest.py) fails the test
on any record, even one that the code under test caught and answered with an apology.
"""

from __future__ import annotations

import functools
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from botocore.httpsession import URLLib3Session
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

import store.media.pipeline
from store.uow import UnitOfWork


class OutsideWorkInTransaction(AssertionError):
    """A network call or the photo pipeline ran while a transaction was open."""


class TransactionGuard:
    def __init__(self) -> None:
        self.violations: list[str] = []
        self._local = threading.local()

    # --- what is open on this thread ------------------------------------------------------
    def _connections(self) -> weakref.WeakSet[Connection]:
        found: weakref.WeakSet[Connection] | None = getattr(self._local, "connections", None)
        if found is None:
            found = self._local.connections = weakref.WeakSet()
        return found

    def _units(self) -> int:
        return int(getattr(self._local, "units", 0))

    def in_transaction(self) -> bool:
        if self._units() > 0:
            return True
        return any(not c.closed and c.in_transaction() for c in list(self._connections()))

    def _on_begin(self, connection: Connection) -> None:
        self._connections().add(connection)

    # --- the guarded calls ----------------------------------------------------------------
    def check(self, what: str) -> None:
        if self.in_transaction():
            message = f"{what} inside an open database transaction"
            self.violations.append(message)
            raise OutsideWorkInTransaction(message)

    def guarded(self, what: str, call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        def guarded_call(*args: Any, **kwargs: Any) -> Any:
            self.check(what)
            return call(*args, **kwargs)

        return guarded_call

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        event.listen(Engine, "begin", self._on_begin)
        monkeypatch.setattr(
            URLLib3Session, "send", self.guarded("an S3 call (botocore)", URLLib3Session.send)
        )
        pipeline = store.media.pipeline.process_photo
        wrapped = self.guarded("the photo pipeline", pipeline)
        for module in list(sys.modules.values()):
            if getattr(module, "process_photo", None) is pipeline:
                monkeypatch.setattr(module, "process_photo", wrapped)
        enter, leave = UnitOfWork.__enter__, UnitOfWork.__exit__

        def entered(uow: UnitOfWork) -> UnitOfWork:
            self._local.units = self._units() + 1
            return enter(uow)

        def left(uow: UnitOfWork, *exc: Any) -> None:
            try:
                leave(uow, *exc)
            finally:
                self._local.units = self._units() - 1

        monkeypatch.setattr(UnitOfWork, "__enter__", entered)
        monkeypatch.setattr(UnitOfWork, "__exit__", left)

    def uninstall(self) -> None:
        event.remove(Engine, "begin", self._on_begin)
