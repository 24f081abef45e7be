"""Fixtures of the fleet tests: a fresh, empty PostgreSQL database for each test (the fleet
migrates it itself, as a deploy's migration job does)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url, text

from store.db import make_engine

POSTGRES_ENV = "SOKO_TEST_POSTGRES_URL"


@pytest.fixture
def fleet_database_url() -> Iterator[str]:
    """An empty database of its own in SOKO_TEST_POSTGRES_URL's server, dropped afterwards.
    Outside CI a missing server skips the test; inside CI it fails it (as tests/conftest.py)."""
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"PostgreSQL not available: set {POSTGRES_ENV} (`.ci/run` does)")
    name = f"soko_fleet_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
