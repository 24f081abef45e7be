"""The console channel: a person typing in a terminal, through the same engine as every chat.

Each message's photos are processed and stored first (no unit of work open), then the message
is recorded in the inbox (one unit of work, committed), handled by the engine,
and then the outbox rows addressed to the person at the keyboard are printed and marked sent.
Messages for other console people (a new order for an artisan, say) stay pending until you
switch to them; then they arrive as they would on their phone.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine, HandleResult
from conversations.inbox import record_inbound
from conversations.messages import ImageRef, Inbound, Outbound
from conversations.outbox import mark_sent, outbound_of
from conversations.photos import PhotoIntake
from conversations.plain_text import render
from store.models import Channel, Identity, OutboxMessage, OutboxStatus, User
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

_PERSON = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_BATCH = 100


class InvalidPerson(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"not a name for a person: {name!r} (letters, digits, _ . -)")
        self.name = name


def person_key(name: str) -> str:
    """`Wanjiru` → `wanjiru`: the console identity's platform user id."""
    key = name.strip().casefold()
    if not _PERSON.fullmatch(key):
        raise InvalidPerson(name)
    return key


class ConsoleChannel:
    """One terminal; the person at the keyboard can change (`switch`)."""

    def __init__(
        self,
        engine: ChatEngine,
        uow_factory: UnitOfWorkFactory,
        intake: PhotoIntake,
        *,
        person: str,
        write: Callable[[str], None] = print,
        image_location: Callable[[str], str] = str,
        profile_names: Mapping[str, str] | None = None,
        locale_hint: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._uow_factory = uow_factory
        self._intake = intake
        self._write = write
        self._image_location = image_location
        self._profile_names = dict(profile_names or {})
        self._locale_hint = locale_hint
        self._clock = clock
        self._sequence = itertools.count()
        self._instance = secrets.token_hex(3)
        self.person = person_key(person)
        with uow_factory(read_only=True) as uow:
            # Outbox rows up to here were queued before this terminal opened: not news.
            self._seen = _last_outbox_id(uow.session)

    def inbound(self, text: str = "", photos: tuple[bytes, ...] = ()) -> Inbound:
        """The message as the engine reads it: its photos processed and stored already."""
        return Inbound(
            channel=Channel.CONSOLE,
            platform_user_id=self.person,
            platform_message_id=self._next_message_id(),
            text=text,
            photos=self._intake.receive_all(photos),
            locale_hint=self._locale_hint,
            profile_name=self._profile_names.get(self.person, self.person.title()),
        )

    def send(self, text: str = "", photos: tuple[bytes, ...] = ()) -> HandleResult:
        return self.deliver(self.inbound(text, photos))

    def deliver(self, inbound: Inbound) -> HandleResult:
        """Record an update once, let the engine handle it, print what came back.

        A repeated delivery of the same update has no second effect.
        """
        with self._uow_factory() as uow:
            recorded = record_inbound(uow.session, inbound, self._clock())
            uow.commit()
        result = self._engine.handle(recorded.inbox_id)
        self.print_pending(mention_others=True)
        return result

    def switch(self, person: str) -> None:
        """Hand the keyboard to someone else; what reached them meanwhile is printed."""
        self.person = person_key(person)
        name = self.display_name(self.person)
        who = f"{name} ({self.person})" if name else f"{self.person}, someone new"
        self._write(f"— now chatting as {who} —")
        self.print_pending(heading="(while you were away)")

    def print_pending(self, *, heading: str = "", mention_others: bool = False) -> int:
        """Print and mark sent every message due to the person at the keyboard (after
        `heading`, if there are any); then, if asked, say who else got a message since."""
        printed = 0
        with self._uow_factory() as uow:
            now = self._clock()
            while True:
                rows = uow.session.execute(
                    select(OutboxMessage)
                    .where(_due(self.person, now))
                    .order_by(OutboxMessage.id)
                    .limit(_BATCH)
                    .with_for_update(skip_locked=True)
                ).scalars()
                batch = [(row.id, outbound_of(row)) for row in rows]
                if batch and not printed and heading:
                    self._write(heading)
                for outbox_id, outbound in batch:
                    self._write(self.render(outbound) + "\n")
                    mark_sent(uow.session, outbox_id, f"console-{outbox_id}", now)
                printed += len(batch)
                if len(batch) < _BATCH:
                    break
            others = self._newly_waiting(uow.session)
            uow.commit()
        if mention_others:
            for other in others:
                self._write(f"(a message is waiting for {other}: /as {other} to read it)")
        return printed

    def display_name(self, person: str) -> str | None:
        """The name of the person behind a console identity; None for someone new."""
        with self._uow_factory(read_only=True) as uow:
            return uow.session.execute(
                select(User.display_name)
                .join(Identity, Identity.user_id == User.id)
                .where(Identity.channel == Channel.CONSOLE, Identity.platform_user_id == person)
            ).scalar_one_or_none()

    def pending_for(self, person: str) -> int:
        with self._uow_factory(read_only=True) as uow:
            count = uow.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(_due(person, self._clock()))
            )
            return count or 0

    def render(self, outbound: Outbound) -> str:
        """The console rendering, with images pointing where this machine can open them."""
        if outbound.image is not None and outbound.image.key:
            where = self._image_location(outbound.image.key)
            outbound = dataclasses.replace(outbound, image=ImageRef(url=where))
        return render(outbound)

    def _newly_waiting(self, session: Session) -> list[str]:
        """Other console people with unread messages queued since the last look."""
        latest = session.execute(
            select(OutboxMessage.platform_user_id, func.max(OutboxMessage.id))
            .where(
                OutboxMessage.id > self._seen,
                OutboxMessage.channel == Channel.CONSOLE,
                OutboxMessage.platform_user_id != self.person,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .group_by(OutboxMessage.platform_user_id)
        ).all()
        # Only unread rows of others could be news again, so the newest of them is the mark.
        self._seen = max((newest for _, newest in latest), default=self._seen)
        return sorted(person for person, _ in latest)

    def _next_message_id(self) -> str:
        # Unique across restarts and terminals, and increasing within one terminal.
        return f"{time.time_ns():020d}-{self._instance}-{next(self._sequence)}"


def _due(person: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.channel == Channel.CONSOLE,
        OutboxMessage.platform_user_id == person,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
    )


def _last_outbox_id(session: Session) -> int:
    return session.scalar(select(func.max(OutboxMessage.id))) or 0
