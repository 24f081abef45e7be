"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select, tuple_
from sqlalchemy.orm import Session

from store.db import dialect_insert


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
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    unique: Sequence[str],
    key: str = "id",
) -> list[tuple[int, bool]]:
    """Insert rows in one statement. For each row, in order: its `key` column, and whether it
    was inserted (False when a row with the same `unique` columns was there already, or
    came earlier in `rows`; the key is then that row's)."""
    if not rows:
        return []
    connection = session.connection()
    stmt = _statement(connection.dialect.name, table, key, *unique)
    inserted = {tuple(row[1:]): int(row[0]) for row in connection.execute(stmt, rows)}
    wanted = [tuple(row[column] for column in unique) for row in rows]
    held = {}
    taken = [values for values in wanted if values not in inserted]
    if taken:
        columns = [table.c[column] for column in unique]
        existing = select(table.c[key], *columns).where(tuple_(*columns).in_(taken))
        held = {tuple(row[1:]): int(row[0]) for row in connection.execute(existing)}
    result = []
    for values in wanted:
        new = inserted.pop(values, None)
        if new is not None:
            held[values] = new
        result.append((new if new is not None else held[values], new is not None))
    return result


@functools.cache
def _statement(dialect: str, table: Table, key: str, *also: str) -> Any:
    """Built once per table: the values come as parameters, so SQLAlchemy's compiled cache
    serves every later call without building or coercing the statement again."""
    return (
        dialect_insert(dialect)(table)
        .on_conflict_do_nothing()
        .returning(table.c[key], *(table.c[c] for c in also))
    )
