"""The inbox: every update recorded durably and once, before the platform is told it arrived.

Photos are kept as blobs under ``incoming/<sha256>`` (a private prefix: the public media route
must refuse it); the payload column holds their keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, FromClause, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session, aliased

from conversations.messages import Inbound
from conversations.ports import BlobStore
from conversations.upsert import insert_many_unless_exist
from store.media.storage import PRIVATE_PREFIX
from store.models import Channel, InboxMessage, InboxStatus

INCOMING_PREFIX = PRIVATE_PREFIX
# How many times an update that hit a transient error (the database busy, a lost race) is
# tried before it is treated as a bug. A bug is never retried automatically.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class RecordResult:
    inbox_id: int
    duplicate: bool


def photo_key(data: bytes) -> str:
    return f"{INCOMING_PREFIX}{hashlib.sha256(data).hexdigest()}"


def record_inbound(
    session: Session, inbound: Inbound, blob_store: BlobStore, now: datetime
) -> RecordResult:
    """Record an update once; a repeated delivery (even a parallel one) is a duplicate."""
    [recorded] = record_many(session, [inbound], blob_store, now)
    return recorded


def record_many(
    session: Session, inbounds: Sequence[Inbound], blob_store: BlobStore, now: datetime
) -> list[RecordResult]:
    """`record_inbound` for several updates, with one INSERT: a result for each, in order."""
    rows = []
    for inbound in inbounds:
        keys = []
        for data in inbound.photos:
            key = photo_key(data)
            blob_store.put(key, data, _sniff_content_type(data))  # same bytes, same key
            keys.append(key)
        rows.append(
            {
                "channel": inbound.channel.value,
                "platform_id": inbound.platform_message_id,
                "platform_user_id": inbound.platform_user_id,
                "payload": inbound.content_dict(tuple(keys)),
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


def load_inbound(row: RecordedRow, blob_store: BlobStore) -> Inbound:
    """The `Inbound` a row was recorded from, photos read back from the blob store."""
    photos = tuple(blob_store.get(key) for key in row.payload.get("photos", ()))
    return Inbound.from_content_dict(
        channel=row.channel,
        platform_user_id=row.platform_user_id,
        platform_message_id=row.platform_id,
        content=row.payload,
        photos=photos,
    )


def is_pending(table: FromClause | None = None) -> ColumnElement[bool]:
    """SQL condition: not handled yet (on the inbox, or `table`, an alias of it). A row
    waiting out a transient failure's backoff is pending; one parked as failed is not."""
    inbox = (table if table is not None else InboxMessage.__table__).c
    return inbox.status == InboxStatus.RECEIVED


def pending_inbox(session: Session, limit: int, *, now: datetime) -> list[InboxMessage]:
    """Rows a sweep should (re)process, oldest first: pending and due (a transient failure's
    backoff over), with nothing earlier of the same person still waiting out a backoff (the
    sweep takes hers in order once it is due)."""
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
    )
    return list(rows.scalars())


def _sniff_content_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return "image/heic"
    return "application/octet-stream"
