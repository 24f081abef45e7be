"""How many rows a conditional UPDATE or DELETE matched: the database decides, row by row,
who won a race (a second worker finds 0 and does nothing)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def rows_matched(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount
