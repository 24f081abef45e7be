"""Each process's PostgreSQL connections as its settings say: named after the process in
`pg_stat_activity` (application_name), with the statement timeout, and never more of them
than the pool's size plus its overflow."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.container import Container
from bot.settings import Settings
from store.db import PoolSettings, is_database_busy, make_engine


@pytest.fixture
def watcher(postgres_url: str) -> Iterator[Engine]:
    """A connection of its own, to look at the others."""
    engine = make_engine(postgres_url, application_name="watcher")
    yield engine
    engine.dispose()


def connections_named(watcher: Engine, name: str) -> int:
    with watcher.connect() as connection:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        return int(connection.scalar(query, {"name": name}) or 0)


def test_a_process_names_its_connections_and_has_its_statement_timeout(
    postgres_url: str, watcher: Engine
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=postgres_url,
        db_pool_size=3,
        db_max_overflow=0,
        db_statement_timeout_ms=2500,
        telegram_bot_token=SecretStr(""),
    )
    container = Container(settings, process="soko-scheduler")
    try:
        with container.engine.connect() as connection:
            name = connection.scalar(text("SHOW application_name"))
            timeout = connection.scalar(text("SHOW statement_timeout"))
            assert connections_named(watcher, str(name)) == 1
        assert name == f"soko-scheduler@{socket.gethostname()}:{os.getpid()}"[:63]
        assert timeout == "2500ms"
        assert container.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        container.close()


def test_without_a_statement_timeout_none_is_set(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool=PoolSettings())
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "0"
        assert connection.scalar(text("SHOW application_name")) == "soko"
    engine.dispose()


def test_a_statement_past_the_timeout_is_cancelled(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool=PoolSettings(statement_timeout_ms=50))
    with engine.connect() as connection, pytest.raises(OperationalError) as cancelled:
        connection.execute(text("SELECT pg_sleep(10)"))
    assert getattr(cancelled.value.orig, "sqlstate", None) == "57014"  # query_canceled
    # Tried again later, like a deadlock: not parked as a bug at once.
    assert is_database_busy(cancelled.value)
    engine.dispose()


def test_the_pool_holds_at_most_its_size_plus_overflow(postgres_url: str, watcher: Engine) -> None:
    name = f"soko-test-{uuid.uuid4().hex[:8]}"
    pool = PoolSettings(size=2, max_overflow=1, timeout_seconds=0.2)
    engine = make_engine(postgres_url, pool=pool, application_name=name)
    held = [engine.connect() for _ in range(3)]
    try:
        with pytest.raises(PoolTimeout) as waited:
            engine.connect()  # a fourth waits for one to come back, then gives up
        assert is_database_busy(waited.value)  # the update is tried again, not parked
        assert connections_named(watcher, name) == 3
        for connection in held:
            connection.close()
        assert engine.pool.checkedin() == 2  # type: ignore[attr-defined]  # overflow closed
    finally:
        for connection in held:
            connection.close()
        engine.dispose()


def test_a_name_in_the_database_url_wins(postgres_url: str) -> None:
    engine = make_engine(f"{postgres_url}?application_name=ops-console", application_name="soko")
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW application_name")) == "ops-console"
    engine.dispose()
