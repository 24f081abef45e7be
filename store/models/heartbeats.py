"""Heartbeats: the last time each long-running part said it was working.

One row per part (`scheduler`, `delivery:telegram`, `delivery:whatsapp`): its name, when it
last beat, and which process did (`host:pid`), so `/healthz` on any worker can tell a part that
stopped from one that runs, without waiting for a job's next run.
"""

from __future__ import annotations

from sqlalchemy import Column, Table, Unicode

from store.models.base import Base
from store.models.types import UTCDateTime

heartbeats = Table(
    "heartbeats",
    Base.metadata,
    Column("name", Unicode(64), primary_key=True),
    Column("beat_at", UTCDateTime(), nullable=False),
    Column("holder", Unicode(128), nullable=False),
)
