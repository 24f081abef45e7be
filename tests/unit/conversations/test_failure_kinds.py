"""Which failures are transient (tried again with backoff) and which are bugs (answered and
parked at once), as SQLAlchemy raises them from each database."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import psycopg.errors
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from conversations.errors import StaleState, UnknownFlow
from conversations.failures import backoff, is_transient


def wrapped(error: Exception) -> OperationalError:
    return OperationalError("UPDATE …", {}, error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.OperationalError("database is locked")),
        wrapped(sqlite3.OperationalError("database table is locked: inbox")),
        OperationalError("BEGIN", {}, psycopg.errors.SerializationFailure("could not serialize")),
        OperationalError("UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock detected")),
        OperationalError("SELECT", {}, psycopg.errors.LockNotAvailable("lock timeout")),
        StaleState(user_id=1, expected_version=3),
        OperationalError(
            "SELECT",
            {},
            psycopg.OperationalError("server closed the connection unexpectedly"),
            connection_invalidated=True,
        ),
    ],
)
def test_a_busy_database_a_lost_connection_or_a_lost_race_is_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        KeyError("pid"),
        TypeError("unsupported operand"),
        UnknownFlow("gone"),
        wrapped(sqlite3.OperationalError("no such column: inbox.retry")),
        ProgrammingError("SELECT", {}, psycopg.errors.UndefinedColumn("no column")),
        IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")),
    ],
)
def test_anything_else_is_a_bug(error: Exception) -> None:
    assert not is_transient(error)


def test_backoff_doubles_from_thirty_seconds_up_to_eight_minutes() -> None:
    waits = [backoff(attempts) for attempts in range(1, 7)]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 480)]
