"""The inbox: every update recorded durably and once, before the platform is told it arrived.

Photos reach the inbox already processed and stored by the adapter (`conversations.photos`):
the payload column holds their records (hashes, size, rendition keys), so recording and
handling an update make no call to the media store and run no pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, FromClause, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session, aliased

from conversations.messages import Inbound
from conversations.upsert import insert_many_unless_exist
from store.models import Channel, InboxMessage, InboxStatus

# How many times an update that hit a transient error (the database busy, a lost race) is
# tried before it is treated as a bug. A bug is never retried automatically.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class RecordResult:
    inbox_id: int
    duplicate: bool


def record_inbound(session: Session, inbound: Inbound, now: datetime) -> RecordResult:
    """Record an update once; a repeated delivery (even a parallel one) is a duplicate."""
    [recorded] = record_many(session, [inbound], now)
    return recorded


def record_many(session: Session, inbounds: Sequence[Inbound], now: datetime) -> list[RecordResult]:
    """`record_inbound` for several updates, with one INSERT: a result for each, in order.
    Each is cleaned first (`Inbound.cleaned`): no NUL or control character is ever written."""
    rows = []
    for inbound in (received.cleaned() for received in inbounds):
        rows.append(
            {
                "channel": inbound.channel.value,
                "platform_id": inbound.platform_message_id,
                "platform_user_id": inbound.platform_user_id,
                "payload": inbound.content_dict(),
                "status": InboxStatus.RECEIVED.value,
                "attempts": 0,
                "error": "",
                "received_at": now,
            }
        )
    inbox = cast(Table, InboxMessage.__table__)
    recorded = insert_many_unless_exist(session, inbox, rows, unique=("channel", "platform_id"))
    return [RecordResult(inbox_id, duplicate=not new) for inbox_id, new in recorded]


@dataclass(frozen=True)
class Picked:
    """An inbox row being handled (columns only: it is marked handled with one UPDATE)."""

    id: int
    channel: Channel
    platform_id: str
    platform_user_id: str
    payload: dict[str, Any]


_INBOX = cast(Table, InboxMessage.__table__)
# What `Picked` holds, in its order.
PICKED_COLUMNS = (
    _INBOX.c.id,
    _INBOX.c.channel,
    _INBOX.c.platform_id,
    _INBOX.c.platform_user_id,
    _INBOX.c.payload,
)
MARK_HANDLED = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("inbox_id"))
    .values(status=InboxStatus.HANDLED, handled_at=bindparam("now"), error="", retry_at=None)
)


class RecordedRow(Protocol):
    """What `load_inbound` reads: an `InboxMessage`, or the engine's lighter `Picked`."""

    @property
    def channel(self) -> Channel: ...
    @property
    def platform_id(self) -> str: ...
    @property
    def platform_user_id(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def load_inbound(row: RecordedRow) -> Inbound:
    """The `Inbound` a row was recorded from (its photos as the records the adapter stored)."""
    return Inbound.from_content_dict(
        channel=row.channel,
        platform_user_id=row.platform_user_id,
        platform_message_id=row.platform_id,
        content=row.payload,
    )


def is_pending(table: FromClause | None = None) -> ColumnElement[bool]:
    """SQL condition: not handled yet (on the inbox, or `table`, an alias of it). A row
    waiting out a transient failure's backoff is pending; one parked as failed is not."""
    inbox = (table if table is not None else InboxMessage.__table__).c
    return inbox.status == InboxStatus.RECEIVED


def pending_inbox(session: Session, limit: int, *, now: datetime) -> list[InboxMessage]:
    """Rows a sweep should (re)process, oldest first: pending and due (a transient failure's
    backoff over), with nothing earlier of the same person still waiting out a backoff (the
    sweep takes hers in order once it is due). On PostgreSQL, not the rows a worker is
    handling right now (the engine holds their row lock until it commits): the sweep, every
    few seconds, takes what nobody is handling, and waits for no one."""
    inbox, earlier = InboxMessage, aliased(InboxMessage)
    waiting = (
        select(earlier.id)
        .where(
            earlier.channel == inbox.channel,
            earlier.platform_user_id == inbox.platform_user_id,
            earlier.id < inbox.id,
            earlier.status == InboxStatus.RECEIVED,
            earlier.retry_at > now,
        )
        .exists()
    )
    rows = session.execute(
        select(inbox)
        .where(is_pending(), or_(inbox.retry_at.is_(None), inbox.retry_at <= now), ~waiting)
        .order_by(inbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=inbox)  # SQLite: a plain SELECT
    )
    return list(rows.scalars())
