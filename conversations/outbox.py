"""The outbox: replies and notifications, written in the same transaction as their cause.

Channel adapters read `due_messages`, deliver them within their platform's limits, and record
the outcome with `mark_sent` / `mark_failed`. A commit that queued messages wakes the senders
of their channels at once (`on_queued`: in this process, and on PostgreSQL in the sending
process through NOTIFY, `store/listener.py`); they also look every second or so, for retries
that came due.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from conversations.messages import Outbound
from conversations.upsert import insert_many_unless_exist, insert_unless_exists
from store.models import Channel, Identity, OutboxMessage, OutboxStatus
from store.row_locks import lock_in_id_order
from store.wakeups import Wakeups

# Noted: the channels messages were queued for.
_queued: Wakeups[Channel] = Wakeups("outbox", Channel)


def enqueue(
    session: Session,
    user_id: int,
    channel: Channel,
    platform_user_id: str,
    outbound: Outbound,
    *,
    template: str = "",
    dedupe_key: str | None = None,
    now: datetime,
    due: datetime | None = None,
) -> int:
    """Queue a message, to go out at `due` (None: now); with a `dedupe_key` already queued,
    return that row's id instead."""
    values = row_values(
        user_id,
        channel,
        platform_user_id,
        outbound,
        template=template,
        dedupe_key=dedupe_key,
        now=now,
    )
    if due is not None:
        values["next_attempt_at"] = due
    table = OutboxMessage.__table__
    inserted = insert_unless_exists(session, table, values)  # type: ignore[arg-type]
    if inserted is not None:
        note_queued(session, channel)
        return inserted
    return session.execute(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ).scalar_one()


def note_queued(session: Session, channel: Channel) -> None:
    """Messages for `channel` were queued (or made due) in this transaction: its sender is
    woken when it commits. `enqueue` notes its own."""
    _queued.note(session, channel)


def on_queued(channel: Channel, waker: Callable[[], object]) -> Callable[[], None]:
    """Call `waker` after every commit that queued a message for `channel` (in this process,
    or in another one on PostgreSQL) — a channel's sender: it sends at once rather than at its
    next look; returns what undoes it. `waker` runs in the committing (or listening) thread:
    it only sets an event."""

    def woken(channels: frozenset[Channel]) -> None:
        if channel in channels or not channels:  # none named: anything may have been queued
            waker()

    return _queued.subscribe(woken)


def reply_key(inbox_id: int, n: int) -> str:
    """The dedupe key of the `n`th reply to an inbox row: handled again, it is queued once."""
    return f"inbox:{inbox_id}:{n}"


def row_values(
    user_id: int,
    channel: Channel,
    platform_user_id: str,
    outbound: Outbound,
    *,
    template: str = "",
    dedupe_key: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """The outbox row queueing `outbound`: pending, due now."""
    return {
        "user_id": user_id,
        "channel": channel.value,
        "platform_user_id": platform_user_id,
        "payload": outbound.to_dict(),
        "template": template or outbound.template,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "error": "",
        "created_at": now,
    }


def mark_unreachable(
    session: Session, channel: Channel, platform_user_id: str, now: datetime
) -> None:
    """The platform says this account cannot be reached (blocked the bot, not on WhatsApp):
    notifications go to the person's other channels until they write from it again."""
    session.execute(
        update(Identity)
        .where(Identity.channel == channel, Identity.platform_user_id == platform_user_id)
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )


def reachable_identity(session: Session, user_id: int) -> Identity | None:
    """Where to reach a person: the identity they wrote from last, preferring reachable ones."""
    return session.execute(
        select(Identity)
        .where(Identity.user_id == user_id)
        .order_by(
            Identity.unreachable_at.is_not(None),
            Identity.last_inbound_at.desc().nulls_last(),
            Identity.id.desc(),
        )
        .limit(1)
    ).scalar_one_or_none()


def reachable_identities(session: Session, user_ids: Collection[int]) -> dict[int, Identity]:
    """`reachable_identity` for many people in one query (those with none are left out)."""
    if not user_ids:
        return {}
    found: dict[int, Identity] = {}
    for identity in session.scalars(
        select(Identity)
        .where(Identity.user_id.in_(set(user_ids)))
        .order_by(
            Identity.user_id,
            Identity.unreachable_at.is_not(None),
            Identity.last_inbound_at.desc().nulls_last(),
            Identity.id.desc(),
        )
    ):
        found.setdefault(identity.user_id, identity)
    return found


def notify_many(
    session: Session, messages: Sequence[tuple[int, Outbound, str]], *, now: datetime
) -> list[int]:
    """`notify` for many people at once — (user id, message, dedupe key) each — in a few
    statements however many they are (a weekly message to every community manager). The
    user ids whose message this call queued: not those with no channel identity, nor those
    whose dedupe key was written before."""
    identities = reachable_identities(session, [user_id for user_id, _, _ in messages])
    rows, to = [], []
    for user_id, outbound, dedupe_key in messages:
        identity = identities.get(user_id)
        if identity is None:
            continue
        channel, platform_user_id = identity.channel, identity.platform_user_id
        rows.append(
            row_values(user_id, channel, platform_user_id, outbound, dedupe_key=dedupe_key, now=now)
        )
        to.append((user_id, channel))
    inserted = insert_many_unless_exist(session, _OUTBOX, rows, unique=("dedupe_key",))
    queued = [who for who, (_, new) in zip(to, inserted, strict=True) if new]
    for channel in {channel for _, channel in queued}:
        note_queued(session, channel)
    return [user_id for user_id, _ in queued]


def notify(
    session: Session,
    user_id: int,
    outbound: Outbound,
    *,
    template: str = "",
    dedupe_key: str | None = None,
    now: datetime,
) -> int | None:
    """Queue a message to another person (e.g. a new order for an artisan).

    Returns None when the person has no channel identity: there is nobody to tell, and that
    must not undo the change that caused the notification.
    """
    identity = reachable_identity(session, user_id)
    if identity is None:
        return None
    return enqueue(
        session,
        user_id,
        identity.channel,
        identity.platform_user_id,
        outbound,
        template=template,
        dedupe_key=dedupe_key,
        now=now,
    )


_DUE_CONDITIONS = (
    OutboxMessage.status == OutboxStatus.PENDING,
    OutboxMessage.next_attempt_at <= bindparam("now"),
)
_DUE = (
    select(OutboxMessage)
    .where(*_DUE_CONDITIONS)
    .order_by(OutboxMessage.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_DUE_ON_CHANNEL = _DUE.where(OutboxMessage.channel == bindparam("channel"))


def due_messages(
    session: Session, now: datetime, limit: int, *, channel: Channel | None = None
) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first, for one channel or all
    (PostgreSQL: locked, skipping rows another sender holds)."""
    if channel is None:
        rows = session.execute(_DUE, {"now": now, "limit": limit})
    else:
        rows = session.execute(_DUE_ON_CHANNEL, {"now": now, "limit": limit, "channel": channel})
    return list(rows.scalars())


def outbound_of(row: OutboxMessage) -> Outbound:
    return Outbound.from_dict(row.payload)


_OUTBOX = cast(Table, OutboxMessage.__table__)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("outbox_id"))
    .values(
        status=OutboxStatus.SENT,
        platform_message_id=bindparam("platform_message_id"),
        sent_at=bindparam("now"),
        attempts=_OUTBOX.c.attempts + 1,
        error="",
    )
)


def mark_sent(session: Session, outbox_id: int, platform_message_id: str, now: datetime) -> None:
    mark_sent_many(session, [(outbox_id, platform_message_id)], now)


def mark_sent_many(session: Session, sent: Sequence[tuple[int, str]], now: datetime) -> None:
    """`mark_sent` for several rows (outbox id, platform message id) in one statement, the
    rows locked in id order (as every statement on several outbox rows)."""
    if sent:
        lock_in_id_order(session, _OUTBOX.c.id, [outbox_id for outbox_id, _ in sent])
        session.execute(
            _MARK_SENT,
            [
                {"outbox_id": outbox_id, "platform_message_id": message_id, "now": now}
                for outbox_id, message_id in sorted(sent)
            ],
        )


def release(session: Session, outbox_ids: Sequence[int], now: datetime) -> None:
    """Hand claimed rows back (a sender stopping, or keeping a chat's order): those still
    pending are due again `now` rather than when their claim's lease runs out."""
    if outbox_ids:
        lock_in_id_order(session, _OUTBOX.c.id, outbox_ids)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(outbox_ids), OutboxMessage.status == OutboxStatus.PENDING)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )


_RENEW = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.PENDING,
        _OUTBOX.c.next_attempt_at.in_(bindparam("leased_until", expanding=True)),
    )
    .values(next_attempt_at=bindparam("until"))
    .returning(_OUTBOX.c.id)
)


def renew_claims(
    session: Session,
    outbox_ids: Collection[int],
    leased_until: Collection[datetime],
    until: datetime,
) -> set[int]:
    """A sender still holds these rows: their lease now ends at `until` (one statement). Only
    rows still pending whose lease is one this sender set (`leased_until`) move: a row already
    settled — sent, failed, due again at its retry, handed back — or taken by another sender
    after the lease ran out is left as it is. The ids renewed."""
    if not outbox_ids:
        return set()
    lock_in_id_order(session, _OUTBOX.c.id, outbox_ids)
    params = {"ids": list(outbox_ids), "leased_until": list(leased_until), "until": until}
    return set(session.scalars(_RENEW, params))


def mark_failed(session: Session, outbox_id: int, error: str, retry_at: datetime | None) -> None:
    """Record a failed delivery: try again at `retry_at`, or give up when it is None."""
    values: dict[str, object] = {"attempts": OutboxMessage.attempts + 1, "error": error[:2000]}
    if retry_at is None:
        values["status"] = OutboxStatus.FAILED
    else:
        values.update(status=OutboxStatus.PENDING, next_attempt_at=retry_at)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(values)
        .execution_options(synchronize_session=False)
    )


def queued_keys(session: Session, dedupe_keys: Collection[str]) -> set[str]:
    """Which of these dedupe keys were ever written (`already_queued` for many at once)."""
    if not dedupe_keys:
        return set()
    return set(
        session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(set(dedupe_keys)))
        )
    )


def already_queued(session: Session, dedupe_key: str) -> bool:
    """Whether a message with this dedupe key was ever written: the marker of something done
    once (today's reminder, the offer to mentor)."""
    found = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    return found is not None
