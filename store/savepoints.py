"""Inserting a row that a concurrent unit of work may have inserted first."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import Base


def add_unless_taken(session: Session, row: Base) -> bool:
    """Add and flush `row` inside a savepoint. False, with the unit of work intact, when a
    unique key already holds it (a duplicate delivery, a double tap, a race): the caller then
    reads the row that won."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True
