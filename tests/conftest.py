"""Shared fixtures: migrated databases on SQLite and PostgreSQL.

``engine`` is parametrised over both backends. PostgreSQL comes from SOKO_TEST_POSTGRES_URL
(`.ci/run` starts a throwaway cluster); each pytest process makes its own database in it.
Outside CI a missing PostgreSQL skips those tests with a message; inside CI it fails them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from bot.domain_events import subscribe_handlers
from store.db import make_engine
from store.migrate import upgrade
from store.models import Base
from store.uow import UnitOfWorkFactory
from tests.tx_guard import no_network_in_transactions

POSTGRES_ENV = "SOKO_TEST_POSTGRES_URL"

# What every process does when it builds its container: domain events reach their handlers
# (payments' become the chat's notices; a cancelled paid order's sale is reversed). Tests that
# call services without a container need it too.
subscribe_handlers()

# The shops the tests build ship directly unless a test says otherwise (the hub, the
# default, has its own tests): Settings read this, and so do `soko` processes started here.
os.environ.setdefault("FULFILMENT_MODE", "direct")

__all__ = ["no_network_in_transactions"]


@pytest.fixture(autouse=True)
def _no_network_in_transactions(no_network_in_transactions: object) -> None:
    """Every test runs under the guard: nothing in this process calls out (HTTP, S3) or runs
    the photo pipeline while a database transaction is open (`tests/tx_guard.py`)."""


def _postgres_server_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name("template.db-wal").exists()
    return path


@contextlib.contextmanager
def new_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on SOKO_TEST_POSTGRES_URL's server, dropped (its
    connections cut) afterwards. Without a server: skipped, or failed in CI."""
    server_url = _postgres_server_url()
    if server_url is None:
        pytest.skip(f"PostgreSQL not available: set {POSTGRES_ENV} (`.ci/run` does)")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with new_postgres_database("soko_test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _empty_all(engine: Engine) -> None:
    """Every row gone and every sequence back at 1, as TRUNCATE … RESTART IDENTITY leaves
    them. DELETE, children before parents, costs a third of TRUNCATE on these few rows
    (TRUNCATE makes new files for every table and index), and this runs before each test."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
        connection.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
                " FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "soko.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    _empty_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database on each backend."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    result: Engine = request.getfixturevalue(fixture)
    return result


@pytest.fixture
def uow_factory(engine: Engine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(engine)
