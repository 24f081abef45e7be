"""Rows several transactions update together are locked in id order.

Two PostgreSQL transactions that update the same rows in different orders (a sender marking
rows sent while its lease renewal moves them) each take a row the other wants next: PostgreSQL
detects the deadlock and fails one. Taking the locks first, in one order (`lock_in_id_order`),
makes the second wait for the first instead. SQLite has one writer at a time: nothing to do."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def lock_in_id_order(session: Session, id_column: ColumnElement[Any], ids: Collection[int]) -> None:
    """Lock the rows with these ids (of `id_column`'s table), lowest id first, until the
    transaction ends."""
    if not ids or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        select(id_column).where(id_column.in_(sorted(ids))).order_by(id_column).with_for_update()
    )
