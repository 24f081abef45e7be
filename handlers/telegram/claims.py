"""The database side of Telegram delivery: claiming due outbox rows, recording progress.

A row is *claimed* by pushing its `next_attempt_at` a lease into the future with a conditional
update, so two senders (say, two `soko run` processes by mistake) never take the same row.
While a row is pending, its `platform_message_id` lists the ids of the parts already delivered
(a long text goes out as several messages): a retry sends only the parts still missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.messages import Outbound
from conversations.outbox import due_messages, outbound_of
from store.models import Channel, OutboxMessage, OutboxStatus, User

# How long a claimed row is ours; a sender that died holding it frees it after this. A pass
# takes at most PER_CHAT_PER_PASS rows of a chat, which go out well within the lease even at
# one message a second.
LEASE = timedelta(seconds=60)
PER_CHAT_PER_PASS = 20


@dataclass
class Job:
    outbox_id: int
    chat_id: str
    locale: str
    outbound: Outbound
    attempts: int
    delivered: list[int] = field(default_factory=list)


def claim_due(session: Session, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Job]:
    """Claim due Telegram rows, keeping each chat's messages in order: a chat whose earliest
    pending message is not due yet (waiting for a retry, or claimed by another sender) is
    skipped, so nothing overtakes it."""
    rows = due_messages(session, now, limit, channel=Channel.TELEGRAM)
    if not rows:
        return []
    chats = {row.platform_user_id for row in rows}
    first_pending = dict(
        session.execute(
            select(OutboxMessage.platform_user_id, func.min(OutboxMessage.id))
            .where(
                OutboxMessage.channel == Channel.TELEGRAM,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.platform_user_id.in_(chats),
            )
            .group_by(OutboxMessage.platform_user_id)
        ).all()
    )
    first_due: dict[str, int] = {}
    for row in rows:
        first_due.setdefault(row.platform_user_id, row.id)
    locales = dict(
        session.execute(
            select(User.id, User.locale).where(User.id.in_({row.user_id for row in rows}))
        ).all()
    )
    jobs: list[Job] = []
    taken: dict[str, int] = {}
    for row in rows:
        chat = row.platform_user_id
        if first_due[chat] != first_pending.get(chat) or taken.get(chat, 0) >= PER_CHAT_PER_PASS:
            continue
        if not _lease(session, row, now + lease):
            continue
        taken[chat] = taken.get(chat, 0) + 1
        jobs.append(
            Job(
                outbox_id=row.id,
                chat_id=chat,
                locale=locales.get(row.user_id, "en"),
                outbound=outbound_of(row),
                attempts=row.attempts,
                delivered=delivered_ids(row.platform_message_id),
            )
        )
    return jobs


def _lease(session: Session, row: OutboxMessage, until: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at == row.next_attempt_at,
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def record_progress(session: Session, outbox_id: int, delivered: list[int]) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(platform_message_id=join_ids(delivered))
        .execution_options(synchronize_session=False)
    )


def release(session: Session, outbox_id: int, now: datetime) -> None:
    """Hand a claimed row back: its turn comes after an earlier one of the same chat."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


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
