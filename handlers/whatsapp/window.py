"""WhatsApp's 24-hour customer-service window.

A business may write freely to a person for 24 hours after that person's last message; after
that only approved templates go out. `Identity.last_inbound_at` records the last message (the
engine touches it when it handles an update, and `reopen` below as soon as one is recorded).
(The WhatsApp plug-in gives the window to the flows as a capability, so jobs that write
unasked check it through `conversations.reach` too.)
A message that may not go out is HELD, not lost: the next message from the person flips her
held rows back to pending, in the order they were written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.reach import window_open
from store.models import Channel, Identity, OutboxMessage, OutboxStatus

WHATSAPP_WINDOW = timedelta(hours=24)


def is_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    return window_open(last_inbound_at, now, WHATSAPP_WINDOW)


def last_inbound_at(session: Session, phone: str) -> datetime | None:
    return session.execute(
        select(Identity.last_inbound_at).where(
            Identity.channel == Channel.WHATSAPP, Identity.platform_user_id == phone
        )
    ).scalar_one_or_none()


def reopen(session: Session, phone: str, now: datetime) -> int:
    """The person just wrote: the window is open again and her held messages are due.

    Returns how many held messages were released.
    """
    session.execute(
        update(Identity)
        .where(Identity.channel == Channel.WHATSAPP, Identity.platform_user_id == phone)
        .values(last_inbound_at=now)
        .execution_options(synchronize_session=False)
    )
    released = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == Channel.WHATSAPP,
            OutboxMessage.platform_user_id == phone,
            OutboxMessage.status == OutboxStatus.HELD,
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now, error="")
        .execution_options(synchronize_session=False)
    )
    count = int(released.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        outbox.note_queued(session, Channel.WHATSAPP)
    return count


def hold(session: Session, outbox_id: int, reason: str) -> None:
    """Keep a message until the person writes again."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status=OutboxStatus.HELD, error=reason[:2000])
        .execution_options(synchronize_session=False)
    )
