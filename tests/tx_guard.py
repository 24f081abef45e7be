"""The rule "no network and no heavy CPU inside a database transaction", enforced in tests.

`no_network_in_transactions` (a fixture; conftests enable it) follows, per thread, the
database transactions open on every engine (SQLAlchemy's begin / commit / rollback
events) and the units of work entered (on SQLite one holds the writer lock from its first
line, before any SQL), and wraps the ways out of the process — httpx, requests (the Stripe library),
botocore (S3) — and the photo pipeline. Such a call made by a thread with a transaction
open fails, and the test fails at its end even when the code under test caught the error
(the effect runner and the chat engine catch failures by design).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests
from botocore.endpoint import Endpoint
from sqlalchemy import Engine, event

from store.media import pipeline
from store.uow import UnitOfWork

_open = threading.local()


class NetworkInTransaction(AssertionError):
    pass


def _connections() -> set[int]:
    found: set[int] | None = getattr(_open, "connections", None)
    if found is None:
        found = set()
        _open.connections = found
    return found


def _began(connection: Any) -> None:
    _connections().add(id(connection))


def _ended(connection: Any) -> None:
    _connections().discard(id(connection))


def _units() -> int:
    return int(getattr(_open, "units", 0))


def in_transaction() -> bool:
    """Whether this thread has a database transaction or a unit of work open."""
    return bool(_connections()) or _units() > 0


class Guard:
    def __init__(self) -> None:
        self.violations: list[str] = []

    def wrap(self, what: str, call: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        @functools.wraps(call)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if in_transaction():
                where = "".join(traceback.format_stack(limit=12)[:-1])
                guard.violations.append(f"{what} inside a transaction, from:\n{where}")
                raise NetworkInTransaction(f"{what} called inside a database transaction")
            return call(*args, **kwargs)

        return guarded

    def wrap_async(self, what: str, call: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        @functools.wraps(call)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            if in_transaction():
                guard.violations.append(f"{what} inside a transaction")
                raise NetworkInTransaction(f"{what} called inside a database transaction")
            return await call(*args, **kwargs)

        return guarded


@contextlib.contextmanager
def guarding(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    """While the block runs, calls to the outside made inside a transaction fail (and are
    listed in the guard's `violations`)."""
    guard = Guard()
    monkeypatch.setattr(httpx.Client, "send", guard.wrap("httpx", httpx.Client.send))
    monkeypatch.setattr(
        httpx.AsyncClient, "send", guard.wrap_async("httpx", httpx.AsyncClient.send)
    )
    monkeypatch.setattr(
        requests.Session, "send", guard.wrap("requests (Stripe)", requests.Session.send)
    )
    monkeypatch.setattr(
        Endpoint, "make_request", guard.wrap("botocore (S3)", Endpoint.make_request)
    )
    original = pipeline.process_photo
    wrapped = guard.wrap("the photo pipeline", original)
    for module in list(sys.modules.values()):
        if getattr(module, "process_photo", None) is original:
            monkeypatch.setattr(module, "process_photo", wrapped)
    enter, leave = UnitOfWork.__enter__, UnitOfWork.__exit__

    def entered(uow: UnitOfWork) -> UnitOfWork:
        _open.units = _units() + 1
        return enter(uow)

    def left(uow: UnitOfWork, *exc: Any) -> None:
        try:
            leave(uow, *exc)
        finally:
            _open.units = _units() - 1

    monkeypatch.setattr(UnitOfWork, "__enter__", entered)
    monkeypatch.setattr(UnitOfWork, "__exit__", left)
    listeners = (("begin", _began), ("commit", _ended), ("rollback", _ended))
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    try:
        yield guard
    finally:
        for name, listener in listeners:
            event.remove(Engine, name, listener)
        _connections().clear()


@pytest.fixture
def no_network_in_transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    """The test fails if anything called out inside a transaction, caught or not."""
    with guarding(monkeypatch) as guard:
        yield guard
    assert not guard.violations, "\n\n".join(guard.violations)
