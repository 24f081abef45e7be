"""From a recorded WhatsApp message to the engine, photos included.

Twilio gives up on a webhook after 15 seconds and does not send it again, so the webhook
records the message first and answers at once; the photos are downloaded afterwards. Until
then the message is recorded as AWAITING_MEDIA: no engine sweep picks it up, and the engine
defers the same person's later messages, so "here are my photos" followed quickly by the title
is still read in that order. Processing then

1. downloads the photos of this person's waiting messages up to this one (oldest first), has
   each processed and stored (`PhotoIntake`: the pipeline and the media store's puts, with no
   unit of work open), then puts their records in the row's payload and sets the row to
   RECEIVED (a conditional update: two workers doing the same thing write the same result,
   the stored renditions being content-addressed);
2. asks the engine to handle the message, which handles her earlier ones first, and then her
   later ones that were deferred while the photos were on their way.

A photo that cannot be fetched (refused by the media policy, gone, too big) is left out and
logged; the rest of the message still goes through. A photo the pipeline refuses, or the media
store cannot keep, is recorded as refused: the listing flow tells her why, in her language.
`sweep` un-parks what a crash left behind.

Once the process is stopping (`stopping`), no download starts and none is recorded: the message
stays awaiting its photos, untouched, and the next start's sweep fetches them again (a
download cut short by the stop must not count as a photo that cannot be fetched).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine, HandleResult, Outcome
from conversations.inbox import RecordResult, record_inbound
from conversations.photo_records import photo_to_dict
from conversations.photos import PhotoIntake
from conversations.ports import StopSignal
from handlers.whatsapp import window
from handlers.whatsapp.inbound import MediaItem, WhatsAppUpdate
from handlers.whatsapp.media import MediaFetcher, MediaRefused
from store.models import Channel, InboxMessage, InboxStatus
from store.models.types import utcnow
from store.text import clean_text
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

MEDIA_KEY = "twilio_media"  # payload key: the media still to fetch


def record_update(session: Session, update_: WhatsAppUpdate, now: datetime) -> RecordResult:
    """Record a message once; awaiting media when it has photos to fetch. A first recording
    also reopens the person's 24-hour window and releases her held messages."""
    recorded = record_inbound(session, update_.inbound, now)
    if recorded.duplicate:
        return recorded
    if update_.media:
        row = session.get(InboxMessage, recorded.inbox_id)
        assert row is not None
        media = [{k: clean_text(v) for k, v in m.to_dict().items()} for m in update_.media]
        row.payload = {**row.payload, MEDIA_KEY: media}
        row.status = InboxStatus.AWAITING_MEDIA
    window.reopen(session, update_.phone, now)
    session.flush()
    return recorded


def _parked() -> ColumnElement[bool]:
    return and_(
        InboxMessage.channel == Channel.WHATSAPP,
        InboxMessage.status == InboxStatus.AWAITING_MEDIA,
    )


@dataclass(frozen=True)
class _Parked:
    id: int
    media: tuple[MediaItem, ...]


class WhatsAppProcessor:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        engine: ChatEngine,
        intake: PhotoIntake,
        fetcher: MediaFetcher,
        clock: Callable[[], datetime] = utcnow,
        *,
        stopping: StopSignal | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._engine = engine
        self._intake = intake
        self._fetcher = fetcher
        self._clock = clock
        self._stopping: StopSignal = stopping or threading.Event()

    def process(self, inbox_id: int) -> HandleResult:
        """Fetch the photos this message (and her earlier ones) wait for, then handle it."""
        for parked in self._parked_up_to(inbox_id):
            if not self._unpark(parked):
                return HandleResult(inbox_id, Outcome.HANDED_BACK)
        result = self._engine.handle(inbox_id)
        for later in self._deferred_after(inbox_id):
            self._engine.handle(later)
        return result

    def sweep(self, limit: int = 100) -> list[HandleResult]:
        """After a crash: un-park what waits for photos, then handle what is pending."""
        with self._uow_factory(read_only=True) as uow:
            rows = uow.session.execute(
                select(InboxMessage.id, InboxMessage.payload)
                .where(_parked())
                .order_by(InboxMessage.id)
                .limit(limit)
            ).all()
        for row_id, payload in rows:
            if not self._unpark(_Parked(row_id, _media_of(payload))):
                break
        return self._engine.handle_pending(limit)

    def _parked_up_to(self, inbox_id: int) -> list[_Parked]:
        with self._uow_factory(read_only=True) as uow:
            target = uow.session.execute(
                select(InboxMessage.platform_user_id).where(
                    InboxMessage.id == inbox_id, InboxMessage.channel == Channel.WHATSAPP
                )
            ).scalar_one_or_none()
            if target is None:
                return []
            rows = uow.session.execute(
                select(InboxMessage.id, InboxMessage.payload)
                .where(
                    _parked(),
                    InboxMessage.platform_user_id == target,
                    InboxMessage.id <= inbox_id,
                )
                .order_by(InboxMessage.id)
            ).all()
        return [_Parked(row_id, _media_of(payload)) for row_id, payload in rows]

    def _deferred_after(self, inbox_id: int) -> list[int]:
        """The same person's later messages still pending: deferred while this one waited."""
        with self._uow_factory(read_only=True) as uow:
            target = uow.session.get(InboxMessage, inbox_id)
            if target is None:
                return []
            return list(
                uow.session.scalars(
                    select(InboxMessage.id)
                    .where(
                        InboxMessage.channel == Channel.WHATSAPP,
                        InboxMessage.platform_user_id == target.platform_user_id,
                        InboxMessage.id > inbox_id,
                        InboxMessage.status == InboxStatus.RECEIVED,
                    )
                    .order_by(InboxMessage.id)
                )
            )

    def _unpark(self, parked: _Parked) -> bool:
        """Fetch the row's photos and make it ready for the engine; False (nothing written)
        when the process began stopping before that was done."""
        photos = []
        for item in parked.media:
            if self._stopping.is_set():
                break
            data = self._download(parked.id, item)
            if data is not None:
                photos.append(photo_to_dict(self._intake.receive(data)))
        if self._stopping.is_set():
            logger.info("inbox row %s: its photos are fetched at the next start", parked.id)
            return False
        with self._uow_factory() as uow:
            row = uow.session.execute(
                select(InboxMessage)
                .where(InboxMessage.id == parked.id, _parked())
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalar_one_or_none()
            if row is None:  # another worker got there first
                return True
            payload = dict(row.payload)
            payload["photos"] = [*payload.get("photos", ()), *photos]
            payload["media_fetched"] = payload.pop(MEDIA_KEY, [])
            row.payload = payload
            row.status = InboxStatus.RECEIVED
            uow.commit()
        self._delete_on_twilio(parked)
        return True

    def _delete_on_twilio(self, parked: _Parked) -> None:
        """Her photos as sent are deleted on Twilio once the message is recorded with what came
        of them (processed or refused): there they would keep their metadata (GPS) for good."""
        for item in parked.media:
            try:
                self._fetcher.delete(item.url)
            except MediaRefused:
                continue  # not this account's media: nothing of ours to delete
            except httpx.HTTPError as exc:
                logger.warning(
                    "inbox row %s: media not deleted on Twilio (%s)", parked.id, type(exc).__name__
                )

    def _download(self, inbox_id: int, item: MediaItem) -> bytes | None:
        try:
            data, _ = self._fetcher.fetch(item.url)
        except MediaRefused as refused:
            logger.warning("inbox row %s: media refused (%s)", inbox_id, refused.reason)
            return None
        except httpx.HTTPError as exc:
            logger.warning("inbox row %s: media not fetched (%s)", inbox_id, type(exc).__name__)
            return None
        return data


def _media_of(payload: dict[str, Any]) -> tuple[MediaItem, ...]:
    return tuple(MediaItem.from_dict(m) for m in payload.get(MEDIA_KEY, ()))
