"""PostgreSQL connections: pinged before use only after sitting idle in the pool.

A pooled connection whose server process went away (a database restart, an idle timeout in
between) is replaced before anyone uses it when it sat idle long enough to be pinged; one
handed back moments ago is handed out again without a ping (a round trip saved per unit of
work).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import store.db
from store.db import PING_AFTER_IDLE_SECONDS, make_engine


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(store.db, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine: Engine) -> list[object]:
    """The connections the engine pinged."""
    pinged: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pinged.append(dbapi_connection)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return pinged


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(postgres_url: str, pid: int) -> None:
    admin = make_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    admin.dispose()


def test_a_connection_idle_long_enough_is_pinged_and_replaced_when_dead(
    postgres_url: str, engine: Engine, pings: list[object], clock: Clock
) -> None:
    dead = _backend(engine)
    _terminate(postgres_url, dead)
    clock.now += PING_AFTER_IDLE_SECONDS

    replaced = _backend(engine)

    assert replaced != dead
    assert len(pings) == 1


def test_a_connection_used_moments_ago_is_handed_out_without_a_ping(
    postgres_url: str, engine: Engine, pings: list[object], clock: Clock
) -> None:
    first = _backend(engine)
    clock.now += PING_AFTER_IDLE_SECONDS / 2

    assert _backend(engine) == first
    assert pings == []
    # The price: a connection that died moments after it was handed back fails at its next
    # use (the chat engine takes a lost connection as transient and tries the update again);
    # the pool then connects again.
    _terminate(postgres_url, first)
    with pytest.raises(OperationalError):
        _backend(engine)
    assert _backend(engine) != first
