"""From a recorded WhatsApp message to the engine, photos included.

Twilio gives up on a webhook after 15 seconds and does not send it again, so the webhook
records the message first and answers at once; the photos are downloaded afterwards, as for
every channel (`handlers.awaiting_media`: the message waits as AWAITING_MEDIA, her later
messages behind it, nobody else's). Here: what a WhatsApp message waits for (Twilio media
URLs), and how one is fetched (`MediaFetcher`, under its media policy).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine
from conversations.inbox import RecordResult, record_inbound
from conversations.photos import PhotoIntake
from conversations.ports import StopSignal
from handlers.awaiting_media import AwaitingMedia, MediaGone, MediaNotYet, park
from handlers.whatsapp import window
from handlers.whatsapp.inbound import MediaItem, WhatsAppUpdate
from handlers.whatsapp.media import MediaFetcher, MediaRefused
from store.models import Channel
from store.models.types import utcnow
from store.text import clean_text
from store.uow import UnitOfWorkFactory

MEDIA_KEY = "twilio_media"  # payload key: the media still to fetch


def record_update(session: Session, update_: WhatsAppUpdate, now: datetime) -> RecordResult:
    """Record a message once; awaiting media when it has photos to fetch. A first recording
    also reopens the person's 24-hour window and releases her held messages."""
    recorded = record_inbound(session, update_.inbound, now)
    if recorded.duplicate:
        return recorded
    if update_.media:
        media = [{k: clean_text(v) for k, v in m.to_dict().items()} for m in update_.media]
        park(session, recorded.inbox_id, MEDIA_KEY, media)
    window.reopen(session, update_.phone, now)
    session.flush()
    return recorded


class TwilioMedia:
    """A WhatsApp message's photos, fetched from Twilio (`handlers.awaiting_media.MediaSource`)."""

    def __init__(self, fetcher: MediaFetcher) -> None:
        self._fetcher = fetcher

    def fetch(self, item: dict[str, Any]) -> bytes:
        try:
            data, _ = self._fetcher.fetch(MediaItem.from_dict(item).url)
        except MediaRefused as refused:
            raise MediaGone(f"media refused ({refused.reason})") from refused
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code < 500 and exc.response.status_code != 429:
                raise MediaGone(f"HTTP {exc.response.status_code}") from exc
            raise MediaNotYet(f"HTTP {exc.response.status_code}") from exc
        except httpx.HTTPError as exc:
            raise MediaNotYet(type(exc).__name__) from exc
        return data

    def forget(self, item: dict[str, Any]) -> None:
        try:
            self._fetcher.delete(MediaItem.from_dict(item).url)
        except MediaRefused:
            return  # not this account's media: nothing of ours to delete


class WhatsAppProcessor(AwaitingMedia):
    """WhatsApp's messages awaiting their photos: fetched from Twilio, then handled."""

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
        super().__init__(
            Channel.WHATSAPP,
            MEDIA_KEY,
            uow_factory,
            lambda: engine,
            intake,
            TwilioMedia(fetcher),
            clock,
            stopping=stopping,
        )
