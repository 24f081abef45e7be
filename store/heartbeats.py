"""Beating and reading heartbeats (table `heartbeats`): a long-running part writes one every
few seconds while it works; health checks compare the latest with the clock."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import dialect_insert
from store.models import heartbeats

SCHEDULER = "scheduler"


def delivery(channel: str) -> str:
    """The heartbeat name of a channel's sender (`delivery:telegram`)."""
    return f"delivery:{channel}"


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def beat(session: Session, name: str, now: datetime, holder: str | None = None) -> None:
    """`name` is working as of `now` (one statement; the caller commits)."""
    values = {"name": name, "beat_at": now, "holder": holder or this_process()}
    stmt = dialect_insert(session.get_bind().dialect.name)(heartbeats).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[heartbeats.c.name],
        set_={"beat_at": stmt.excluded.beat_at, "holder": stmt.excluded.holder},
    )
    session.execute(stmt)


def last_beats(session: Session) -> dict[str, datetime]:
    """Every part's latest beat, by name."""
    rows = session.execute(select(heartbeats.c.name, heartbeats.c.beat_at)).all()
    return {row.name: row.beat_at for row in rows}


def stale(
    beats: dict[str, datetime], names: list[str], now: datetime, within: timedelta
) -> list[str]:
    """Which of `names` did not beat within `within` of `now` (never beat counts as stale)."""
    return [name for name in names if name not in beats or beats[name] < now - within]
