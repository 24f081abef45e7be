"""The database side of Telegram delivery: claiming due outbox rows, recording progress.

A row is *claimed* by pushing its `next_attempt_at` a lease into the future with a conditional
update, so two senders (say, two `soko run` processes by mistake) never take the same row.
The lease is short (`LEASE`) and the sender renews it every `RENEW_SECONDS` while it holds the
row (`renew`), so the rows of a sender that died are due again within seconds.
While a row is pending, its `platform_message_id` lists the ids of the parts already delivered
(a long text goes out as several messages): a retry sends only the parts still missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.messages import Outbound
from store.models import Channel, OutboxMessage, OutboxStatus, User

# How long a claimed row is ours unless renewed; a sender that died holding it frees it after
# this. The sender renews the leases of what it holds every RENEW_SECONDS, so a pass may take
# longer than the lease (PER_CHAT_PER_PASS rows of one chat take about 20 s at its limit).
LEASE = timedelta(seconds=10)
RENEW_SECONDS = 3.0
PER_CHAT_PER_PASS = 20


@dataclass
class Job:
    outbox_id: int
    chat_id: str
    locale: str
    outbound: Outbound
    attempts: int
    leased_until: datetime
    delivered: list[int] = field(default_factory=list)


_OUTBOX = cast(Table, OutboxMessage.__table__)
_USERS = cast(Table, User.__table__)
_EARLIER = _OUTBOX.alias("earlier")
# Built once (SQLAlchemy's compiled cache serves every pass after the first): the due rows,
# each with its recipient's language and the id of its chat's earliest pending message.
_DUE = (
    select(
        _OUTBOX.c.id,
        _OUTBOX.c.platform_user_id,
        _OUTBOX.c.payload,
        _OUTBOX.c.attempts,
        _OUTBOX.c.platform_message_id,
        _USERS.c.locale,
        select(func.min(_EARLIER.c.id))
        .where(
            _EARLIER.c.channel == Channel.TELEGRAM,
            _EARLIER.c.platform_user_id == _OUTBOX.c.platform_user_id,
            _EARLIER.c.status == OutboxStatus.PENDING,
        )
        .scalar_subquery()
        .label("first_pending"),
    )
    .join_from(_OUTBOX, _USERS, _USERS.c.id == _OUTBOX.c.user_id)
    .where(
        _OUTBOX.c.status == OutboxStatus.PENDING,
        _OUTBOX.c.next_attempt_at <= bindparam("now"),
        _OUTBOX.c.channel == Channel.TELEGRAM,
    )
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=_OUTBOX)
)
# The rows are ours already (SQLite: BEGIN IMMEDIATE; PostgreSQL: locked above), so the
# conditions only restate what was just read.
_LEASE = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.PENDING,
        _OUTBOX.c.next_attempt_at <= bindparam("now"),
    )
    .values(next_attempt_at=bindparam("until"))
    .returning(_OUTBOX.c.id)
)


def claim_due(session: Session, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Job]:
    """Claim due Telegram rows, keeping each chat's messages in order: a chat whose earliest
    pending message is not due yet (waiting for a retry, or claimed by another sender) is
    skipped, so nothing overtakes it."""
    rows = session.execute(_DUE, {"now": now, "limit": limit}).all()
    if not rows:
        return []
    first_due: dict[str, int] = {}
    for row in rows:
        first_due.setdefault(row.platform_user_id, row.id)
    chosen = []
    taken: dict[str, int] = {}
    for row in rows:
        chat = row.platform_user_id
        if first_due[chat] != row.first_pending or taken.get(chat, 0) >= PER_CHAT_PER_PASS:
            continue
        taken[chat] = taken.get(chat, 0) + 1
        chosen.append(row)
    if not chosen:
        return []
    leased = set(
        session.scalars(
            _LEASE, {"ids": [row.id for row in chosen], "now": now, "until": now + lease}
        )
    )
    return [
        Job(
            outbox_id=row.id,
            chat_id=row.platform_user_id,
            locale=row.locale,
            outbound=Outbound.from_dict(row.payload),
            attempts=row.attempts,
            leased_until=now + lease,
            delivered=delivered_ids(row.platform_message_id),
        )
        for row in chosen
        if row.id in leased
    ]


def recent_sends(session: Session, since: datetime) -> list[tuple[str, datetime, int]]:
    """Telegram messages marked sent after `since` (by this sender or one before it), oldest
    first: (chat, when marked sent, how many parts). A row is marked after its last part was
    answered, so its parts reached Telegram no later than that."""
    rows = session.execute(
        select(
            OutboxMessage.platform_user_id, OutboxMessage.sent_at, OutboxMessage.platform_message_id
        )
        .where(OutboxMessage.channel == Channel.TELEGRAM, OutboxMessage.sent_at > since)
        .order_by(OutboxMessage.sent_at)
    ).all()
    return [
        (chat, sent_at, max(len(delivered_ids(ids)), 1))
        for chat, sent_at, ids in rows
        if sent_at is not None
    ]


def renew(session: Session, jobs: Sequence[Job], until: datetime) -> set[int]:
    """The sender still holds `jobs`: their leases end at `until` (one statement; those
    settled meanwhile, or no longer this sender's, are left alone). The ids renewed: once
    committed, their `leased_until` is `until`."""
    return outbox.renew_claims(
        session, [job.outbox_id for job in jobs], {job.leased_until for job in jobs}, until
    )


def record_progress(session: Session, outbox_id: int, delivered: list[int]) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(platform_message_id=join_ids(delivered))
        .execution_options(synchronize_session=False)
    )


def release(session: Session, outbox_ids: Sequence[int], now: datetime) -> None:
    """Hand claimed rows back: each one's turn comes after an earlier one of the same chat."""
    outbox.release(session, outbox_ids, now)


def mark_unreachable(session: Session, chat_id: str, now: datetime) -> None:
    """The person blocked the bot (or deleted their account): stop trying to reach them here."""
    outbox.mark_unreachable(session, Channel.TELEGRAM, chat_id, now)


def join_ids(ids: list[int]) -> str:
    """Message ids as stored (`"17,18"`). The column holds 128 characters: past that the oldest
    ids are dropped and counted (`"+3,21,22"`), so the number of parts delivered stays known."""
    dropped = 0
    joined = ",".join(str(i) for i in ids)
    while len(joined) > 128:
        dropped += 1
        joined = f"+{dropped}," + ",".join(str(i) for i in ids[dropped:])
    return joined


def delivered_ids(stored: str | None) -> list[int]:
    """The ids `join_ids` stored (a dropped one reads as 0): one per part delivered."""
    ids: list[int] = []
    for part in (stored or "").split(","):
        if part.startswith("+") and part[1:].isdigit():
            ids.extend([0] * int(part[1:]))
        elif part.isdigit():
            ids.append(int(part))
    return ids
