"""Fixtures of the fleet tests: a fresh, empty PostgreSQL database for each test (the fleet
migrates it itself, as a deploy's migration job does)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import new_postgres_database


@pytest.fixture
def fleet_database_url() -> Iterator[str]:
    """An empty database of its own in SOKO_TEST_POSTGRES_URL's server, dropped afterwards.
    Outside CI a missing server skips the test; inside CI it fails it (as tests/conftest.py)."""
    with new_postgres_database("soko_fleet") as url:
        yield url
