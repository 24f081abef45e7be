"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import UnsupportedDatabase


def insert_unless_exists(
    session: Session, table: Table, values: dict[str, Any], *, key: str = "id"
) -> int | None:
    """Insert a row and return its `key` column, or None when a unique key already holds one.

    Concurrent inserts of the same key wait for each other in the database, so exactly one
    wins; the others get None without an error (and without spoiling their transaction).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:  # make_engine refuses other databases before we get here
        raise UnsupportedDatabase(dialect)
    inserted = session.execute(stmt.returning(table.c[key])).scalar_one_or_none()
    return int(inserted) if inserted is not None else None
