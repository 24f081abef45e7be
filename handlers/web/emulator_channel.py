"""The web channel behind the chat emulator: a browser chats as any person, through the same
engine and database as every other channel.

A message from the browser is recorded in the inbox (one unit of work, committed) and handled
by the engine; what the bot says to a web person waits in the outbox until that person's
browser asks for it, and is marked delivered then. Nothing here knows about HTTP: the
Starlette routes in `emulator` turn requests into these calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from conversations.engine import ChatEngine, HandleResult
from conversations.inbox import record_inbound
from conversations.messages import Inbound, Outbound
from conversations.outbox import outbound_of
from conversations.photos import PhotoIntake
from handlers.console.channel import InvalidPerson, person_key
from store.models import (
    Artisan,
    Channel,
    Identity,
    InboxMessage,
    OutboxMessage,
    OutboxStatus,
    User,
)
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

__all__ = ["InvalidMessageId", "InvalidPerson", "Person", "WebChat", "person_key"]

CHANNEL = Channel.WEB
HISTORY_LIMIT = 60
_BATCH = 200
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,48}")
_SHOWN = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ)


class InvalidMessageId(ValueError):
    def __init__(self, message_id: str) -> None:
        super().__init__(f"not a message id: {message_id!r} (8-48 of A-Z a-z 0-9 _ -)")
        self.message_id = message_id


@dataclass(frozen=True)
class Person:
    """Someone the emulator can chat as: a web identity already in the database."""

    key: str
    name: str
    roles: tuple[str, ...]
    shop: str
    waiting: int


@dataclass(frozen=True)
class Said:
    """One line of a transcript: the person's message (`inbound`) or the bot's (`outbound`)."""

    id: int  # the outbox row's for the bot's messages, the inbox row's for the person's
    at: datetime
    outbound: Outbound | None = None
    text: str = ""
    photos: int = 0
    payload: str | None = None


class WebChat:
    def __init__(
        self,
        engine: ChatEngine,
        uow_factory: UnitOfWorkFactory,
        intake: PhotoIntake,
        *,
        profile_names: Mapping[str, str] | None = None,
        locale_hint: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._uow_factory = uow_factory
        self._intake = intake
        self._profile_names = dict(profile_names or {})
        self._locale_hint = locale_hint
        self._clock = clock

    def send(
        self,
        person: str,
        message_id: str,
        *,
        text: str = "",
        photos: Sequence[bytes] = (),
        payload: str | None = None,
        locale_hint: str | None = None,
    ) -> HandleResult:
        """Record what `person` sent (once: the browser's id makes a retry a duplicate) and
        let the engine answer. Her photos are processed and stored before the unit of work
        opens. `locale_hint` (the language her browser chose) is the language
        someone new starts in, as a Telegram client's language is; else the chat's own hint."""
        key = person_key(person)
        if not _MESSAGE_ID.fullmatch(message_id):
            raise InvalidMessageId(message_id)
        inbound = Inbound(
            channel=CHANNEL,
            platform_user_id=key,
            platform_message_id=f"{key}:{message_id}",
            text=text.strip(),
            photos=self._intake.receive_all(photos),
            payload=payload or None,
            locale_hint=locale_hint or self._locale_hint,
            profile_name=self._profile_names.get(key, key.title()),
        )
        with self._uow_factory() as uow:
            recorded = record_inbound(uow.session, inbound, self._clock())
            uow.commit()
        return self._engine.handle(recorded.inbox_id)

    def news(self, person: str, after: int) -> list[Said]:
        """The bot's messages to `person` with outbox ids above `after`, oldest first; the
        ones not yet shown are marked delivered."""
        key = person_key(person)
        now = self._clock()
        with self._uow_factory(read_only=True) as uow:
            rows = list(
                uow.session.execute(
                    select(OutboxMessage)
                    .where(_to(key), OutboxMessage.id > after, _visible(now))
                    .order_by(OutboxMessage.id)
                    .limit(_BATCH)
                ).scalars()
            )
            said = [_said(row) for row in rows]
        self._delivered(_pending(rows), now)
        return said

    def history(self, person: str, limit: int = HISTORY_LIMIT) -> list[Said]:
        """The last `limit` messages both ways, oldest first (what the bot said is marked
        delivered, as `news` does)."""
        key = person_key(person)
        now = self._clock()
        with self._uow_factory(read_only=True) as uow:
            session = uow.session
            sent = list(
                session.execute(
                    select(OutboxMessage)
                    .where(_to(key), _visible(now))
                    .order_by(OutboxMessage.id.desc())
                    .limit(limit)
                ).scalars()
            )
            received = session.execute(
                select(InboxMessage)
                .where(InboxMessage.channel == CHANNEL, InboxMessage.platform_user_id == key)
                .order_by(InboxMessage.id.desc())
                .limit(limit)
            ).scalars()
            lines = [_said(row) for row in sent] + [_heard(row) for row in received]
        self._delivered(_pending(sent), now)
        # A person's message comes before the answers written at the same instant.
        lines.sort(key=lambda s: (s.at, s.outbound is not None, s.id))
        return lines[-limit:]

    def _delivered(self, outbox_ids: list[int], now: datetime) -> None:
        """Mark rows delivered; a poll that found nothing new writes nothing (on SQLite a
        write would queue behind, and hold up, the engine's)."""
        if not outbox_ids:
            return
        with self._uow_factory() as uow:
            uow.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(outbox_ids),
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(
                    status=OutboxStatus.DELIVERED,
                    sent_at=now,
                    attempts=OutboxMessage.attempts + 1,
                    error="",
                )
                .execution_options(synchronize_session=False)
            )
            uow.commit()

    def people(self) -> list[Person]:
        """Everyone with a web identity, in the order they first appeared, with how many
        messages wait for each."""
        with self._uow_factory(read_only=True) as uow:
            session = uow.session
            waiting: dict[str, int] = dict(
                session.execute(
                    select(OutboxMessage.platform_user_id, func.count())
                    .where(
                        OutboxMessage.channel == CHANNEL,
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.next_attempt_at <= self._clock(),
                    )
                    .group_by(OutboxMessage.platform_user_id)
                ).all()
            )
            rows = session.execute(
                select(Identity.platform_user_id, User, Artisan.shop_name)
                .join(User, User.id == Identity.user_id)
                .outerjoin(Artisan, Artisan.user_id == User.id)
                .where(Identity.channel == CHANNEL)
                .order_by(Identity.id)
                .options(selectinload(User.roles))
            ).all()
            return [
                Person(
                    key=key,
                    name=user.display_name or key.title(),
                    roles=tuple(sorted(role.role.value for role in user.roles)),
                    shop=shop or "",
                    waiting=waiting.get(key, 0),
                )
                for key, user, shop in rows
            ]


def _to(key: str) -> ColumnElement[bool]:
    return and_(OutboxMessage.channel == CHANNEL, OutboxMessage.platform_user_id == key)


def _visible(now: datetime) -> ColumnElement[bool]:
    """Shown already, or due to be shown now."""
    return or_(
        OutboxMessage.status.in_(_SHOWN),
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
    )


def _pending(rows: list[OutboxMessage]) -> list[int]:
    return [row.id for row in rows if row.status is OutboxStatus.PENDING]


def _said(row: OutboxMessage) -> Said:
    return Said(id=row.id, at=row.created_at, outbound=outbound_of(row))


def _heard(row: InboxMessage) -> Said:
    payload: dict[str, Any] = row.payload
    return Said(
        id=row.id,
        at=row.received_at,
        text=str(payload.get("text") or ""),
        photos=len(payload.get("photos") or ()),
        payload=payload.get("payload"),
    )
