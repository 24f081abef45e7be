"""A database locked by another process (a backup, a long command) is not a bug: the effect
runner says so in one warning line and keeps going; any other failure keeps its traceback."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from store.db import is_database_busy
from store.effect_runner import EffectRunner
from store.uow import UnitOfWorkFactory


def _locked() -> OperationalError:
    return OperationalError("UPDATE effects …", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    ("failure", "busy"),
    [(_locked(), True), (RuntimeError("a bug"), False)],
)
def test_the_runner_warns_of_a_busy_database_and_logs_a_bug_whole(
    uow_factory: UnitOfWorkFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
    busy: bool,
) -> None:
    assert is_database_busy(failure) is busy
    runner = EffectRunner(uow_factory, [])
    stop = asyncio.Event()
    claims = 0

    def claim(limit: int, lease: object = None) -> list[object]:
        nonlocal claims
        claims += 1
        if claims >= 2:
            stop.set()
        raise failure

    monkeypatch.setattr(runner, "claim", claim)
    with caplog.at_level(logging.WARNING, logger="store.effect_runner"):
        asyncio.run(runner.run(stop, poll=0.01))

    assert claims >= 2  # it kept going after the failure
    records = [r for r in caplog.records if r.name == "store.effect_runner"]
    assert records
    if busy:
        assert all(r.levelno == logging.WARNING and r.exc_info is None for r in records)
        assert "database is busy (OperationalError)" in records[0].getMessage()
    else:
        assert all(r.levelno == logging.ERROR and r.exc_info for r in records)
