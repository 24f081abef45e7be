"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import UnsupportedDatabase

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_unless_exists(
    session: Session, table: Table, values: dict[str, Any], *, key: str = "id"
) -> int | None:
    """Insert a row and return its `key` column, or None when a unique key already holds one.

    Concurrent inserts of the same key wait for each other in the database, so exactly one
    wins; the others get None without an error (and without spoiling their transaction).
    """
    stmt = _statement(session.get_bind().dialect.name, table, key)
    inserted = session.execute(stmt, values).scalar_one_or_none()
    return int(inserted) if inserted is not None else None


def insert_many_unless_exist(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, by: str, key: str = "id"
) -> dict[Any, int]:
    """Insert rows in one statement; map each row's unique `by` value to its `key` column,
    that of the row already holding it when one does."""
    if not rows:
        return {}
    connection = session.connection()
    stmt = _statement(connection.dialect.name, table, key, by)
    found: dict[Any, int] = {
        unique: int(inserted) for inserted, unique in connection.execute(stmt, rows)
    }
    taken = [row[by] for row in rows if row[by] not in found]
    if taken:
        existing = select(table.c[by], table.c[key]).where(table.c[by].in_(taken))
        found.update({unique: int(held) for unique, held in connection.execute(existing)})
    return found


@functools.cache
def _statement(dialect: str, table: Table, key: str, *also: str) -> Any:
    """Built once per table: the values come as parameters, so SQLAlchemy's compiled cache
    serves every later call without building or coercing the statement again."""
    insert = _INSERTS.get(dialect)
    if insert is None:  # make_engine refuses other databases before we get here
        raise UnsupportedDatabase(dialect)
    return (
        insert(table).on_conflict_do_nothing().returning(table.c[key], *(table.c[c] for c in also))
    )
