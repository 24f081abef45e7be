"""Messages recorded before their photos are in, on any channel (Telegram, WhatsApp).

Fetching a photo from the platform, running the pipeline and storing its renditions (S3) may
take seconds, or hang until a timeout. None of that may hold up the receiving of anyone's
messages, so an adapter records a message with photos at once, as AWAITING_MEDIA, with what
identifies its photos on the platform (`park`): no engine sweep picks such a row up, and the
engine defers the same person's later messages, so "here are my photos" followed quickly by
the title is still read in that order; other people are not held up at all. Then, outside
any transaction, `AwaitingMedia.process`

1. fetches the photos of this person's waiting messages up to this one (oldest first), from
   the channel's `MediaSource`, has each processed and stored (`PhotoIntake`), puts their
   records in the row's payload and sets the row to RECEIVED (a conditional update: two
   workers doing the same thing write the same result, the stored renditions being
   content-addressed);
2. asks the engine to handle the message, which handles her earlier ones first, and then her
   later ones that were deferred while the photos were on their way.

A fetch that fails in a way that may pass (a timeout, the platform down: `MediaNotYet`), or
a media store that cannot keep the photo (S3 down or hanging past its timeouts), is tried
again after the pauses of `RETRY_PAUSES`. A photo that cannot be had (`MediaGone`: refused,
gone, too big, or still failing after those tries) is recorded as a refused photo, so the
flow that reads it tells her why in her language and asks for it again: she is never left
waiting. A photo the pipeline refuses is recorded as refused too.

Once the process is stopping, no fetch starts and none is recorded: the message stays
awaiting its photos, untouched, and the next start's sweep (`sweep`) fetches them again (a
fetch cut short by the stop never counts as a photo that cannot be had).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine, HandleResult, Outcome
from conversations.photo_records import ReceivedPhoto, photo_to_dict
from conversations.photos import PhotoIntake
from conversations.ports import StopSignal
from store.media.errors import PhotoError, PhotoErrorCode
from store.models import Channel, InboxMessage, InboxStatus
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# Seconds waited before each further try of a fetch (or a store) that failed in a way that
# may pass; after the last, given up.
RETRY_PAUSES: Final = (1.0, 3.0, 10.0)
NOT_RECEIVED, NOT_SAVED = PhotoErrorCode.NOT_RECEIVED, PhotoErrorCode.NOT_SAVED
_T = TypeVar("_T")
FETCHED_KEY = "media_fetched"  # payload key: the media fetched, kept for operators


class MediaNotYet(Exception):
    """The fetch failed in a way that may pass (a timeout, the platform down): try again."""


class MediaGone(Exception):
    """This photo cannot be had (refused by the media policy, gone, too big): `code` says
    what she is told."""

    def __init__(self, reason: str, code: PhotoErrorCode = PhotoErrorCode.NOT_RECEIVED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class MediaSource(Protocol):
    """Where a channel's photos are fetched from; an item is what `park` recorded for one."""

    def fetch(self, item: dict[str, Any]) -> bytes:
        """The photo's bytes; raises `MediaNotYet` or `MediaGone`."""

    def forget(self, item: dict[str, Any]) -> None:
        """Delete the platform's copy, once what came of it is recorded (where the platform
        lets us: its copy keeps the photo's metadata, GPS included, for good)."""


def park(session: Session, inbox_id: int, key: str, items: Sequence[dict[str, Any]]) -> None:
    """Mark a just-recorded message as waiting for these photos (kept under `key`)."""
    row = session.get(InboxMessage, inbox_id)
    assert row is not None
    row.payload = {**row.payload, key: list(items)}
    row.status = InboxStatus.AWAITING_MEDIA


@dataclass(frozen=True)
class _Parked:
    id: int
    items: tuple[dict[str, Any], ...]


class _Stopping(Exception):
    """The process began stopping: leave the row as it is."""


class AwaitingMedia:
    """Un-parks one channel's messages awaiting photos, then has the engine handle them.
    `engine` is called for the engine when it is first needed (Telegram's needs the bot's
    username)."""

    def __init__(
        self,
        channel: Channel,
        key: str,
        uow_factory: UnitOfWorkFactory,
        engine: Callable[[], ChatEngine],
        intake: PhotoIntake,
        source: MediaSource,
        clock: Callable[[], datetime] = utcnow,
        *,
        stopping: StopSignal | None = None,
        retry_pauses: Sequence[float] = RETRY_PAUSES,
    ) -> None:
        self.channel = channel
        self.key = key
        self._uow_factory = uow_factory
        self._engine = engine
        self._intake = intake
        self._source = source
        self._clock = clock
        self._stopping: StopSignal = stopping or threading.Event()
        self._retry_pauses = tuple(retry_pauses)
        # The people a thread works on now → the newest of their rows asked for meanwhile.
        self._people: dict[str, int] = {}
        self._people_lock = threading.Lock()

    def process(self, inbox_id: int) -> HandleResult:
        """Fetch the photos this message (and her earlier ones) wait for, then handle her
        messages. While another thread of this process works on her, that thread takes this
        row too: this one returns at once, free for other people's photos."""
        person = self._person_of(inbox_id)
        if person is None:
            return HandleResult(inbox_id, Outcome.NOT_FOUND)
        if not self._claim(person, inbox_id):
            return HandleResult(inbox_id, Outcome.DEFERRED)
        results = self._drain(person, inbox_id)
        if results is None:
            return HandleResult(inbox_id, Outcome.HANDED_BACK)
        return results.get(inbox_id, HandleResult(inbox_id, Outcome.ALREADY_HANDLED))

    def sweep(self, limit: int = 100) -> list[HandleResult]:
        """After a crash or a stop: un-park what waits for photos (but what a worker of this
        process is fetching now), then handle what is pending on every channel."""
        with self._uow_factory(read_only=True) as uow:
            rows = uow.session.execute(
                select(InboxMessage.id, InboxMessage.platform_user_id)
                .where(self._awaiting())
                .order_by(InboxMessage.id)
                .limit(limit)
            ).all()
        for row_id, person in rows:
            if self._claim(person, row_id) and self._drain(person, row_id) is None:
                break
        return self._engine().handle_pending(limit)

    def _claim(self, person: str, inbox_id: int) -> bool:
        """True: this thread now works on her. False: another one is, and it will also
        take her rows up to `inbox_id` before it lets her go."""
        with self._people_lock:
            if person in self._people:
                self._people[person] = max(self._people[person], inbox_id)
                return False
            self._people[person] = inbox_id
            return True

    def _drain(self, person: str, up_to: int) -> dict[int, HandleResult] | None:
        """Her photos up to `up_to` fetched and her waiting messages handled, then again for
        the rows other threads handed over meanwhile, until none is left: then she is free.
        None when the process began stopping (what is left waits for the next start)."""
        results: dict[int, HandleResult] = {}
        done = False
        try:
            while True:
                for parked in self._parked(person, up_to=up_to):
                    if not self._unpark(parked):
                        return None
                engine = self._engine()
                for row_id in self._received(person):
                    results[row_id] = engine.handle(row_id)
                with self._people_lock:
                    newest = self._people[person]
                    if newest <= up_to:
                        del self._people[person]
                        done = True
                        return results
                up_to = newest
        finally:
            if not done:  # stopping, or an error: let her go (the sweep takes what is left)
                with self._people_lock:
                    self._people.pop(person, None)

    def _awaiting(self) -> ColumnElement[bool]:
        return and_(
            InboxMessage.channel == self.channel,
            InboxMessage.status == InboxStatus.AWAITING_MEDIA,
        )

    def _person_of(self, inbox_id: int) -> str | None:
        with self._uow_factory(read_only=True) as uow:
            person: str | None = uow.session.execute(
                select(InboxMessage.platform_user_id).where(
                    InboxMessage.id == inbox_id, InboxMessage.channel == self.channel
                )
            ).scalar_one_or_none()
        return person

    def _parked(self, person: str, *, up_to: int) -> list[_Parked]:
        with self._uow_factory(read_only=True) as uow:
            rows = uow.session.execute(
                select(InboxMessage.id, InboxMessage.payload)
                .where(
                    self._awaiting(),
                    InboxMessage.platform_user_id == person,
                    InboxMessage.id <= up_to,
                )
                .order_by(InboxMessage.id)
            ).all()
        return [_Parked(row_id, self._items_of(payload)) for row_id, payload in rows]

    def _received(self, person: str) -> list[int]:
        """Her messages ready for the engine (photos in, or none awaited), in her order."""
        with self._uow_factory(read_only=True) as uow:
            return list(
                uow.session.scalars(
                    select(InboxMessage.id)
                    .where(
                        InboxMessage.channel == self.channel,
                        InboxMessage.platform_user_id == person,
                        InboxMessage.status == InboxStatus.RECEIVED,
                    )
                    .order_by(InboxMessage.id)
                )
            )

    def _unpark(self, parked: _Parked) -> bool:
        """Fetch the row's photos and make it ready for the engine; False (nothing written)
        when the process began stopping before that was done."""
        try:
            photos = [photo_to_dict(self._receive(parked.id, item)) for item in parked.items]
        except _Stopping:
            logger.info("inbox row %s: its photos are fetched at the next start", parked.id)
            return False
        with self._uow_factory() as uow:
            row = uow.session.execute(
                select(InboxMessage)
                .where(InboxMessage.id == parked.id, self._awaiting())
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalar_one_or_none()
            if row is None:  # another worker got there first
                return True
            payload = dict(row.payload)
            payload["photos"] = [*payload.get("photos", ()), *photos]
            payload[FETCHED_KEY] = payload.pop(self.key, [])
            row.payload = payload
            row.status = InboxStatus.RECEIVED
            uow.commit()
        for item in parked.items:
            try:
                self._source.forget(item)
            except Exception as exc:  # kept there: logged, her message goes on regardless
                logger.warning(
                    "inbox row %s: media not deleted at the platform (%s)",
                    parked.id,
                    type(exc).__name__,
                )
        return True

    def _receive(self, inbox_id: int, item: dict[str, Any]) -> ReceivedPhoto:
        """One photo fetched, processed and stored (each tried again while that may help);
        or why not, as a refusal she is told about."""
        data = self._retrying(inbox_id, lambda: self._source.fetch(item), NOT_RECEIVED)
        if isinstance(data, PhotoError):
            return data
        return self._retrying(inbox_id, lambda: self._stored(data), NOT_SAVED)

    def _stored(self, data: bytes) -> ReceivedPhoto:
        photo = self._intake.receive(data)
        if isinstance(photo, PhotoError) and photo.code is NOT_SAVED:
            raise MediaNotYet(f"media store: {photo.detail}")  # S3 down: it may come back
        return photo

    def _retrying(
        self, inbox_id: int, attempt: Callable[[], _T], given_up: PhotoErrorCode
    ) -> _T | PhotoError:
        for pause in (*self._retry_pauses, None):
            if self._stopping.is_set():
                raise _Stopping
            try:
                result = attempt()
            except MediaGone as gone:
                logger.warning("inbox row %s: photo not fetched (%s)", inbox_id, gone.reason)
                return PhotoError(gone.code, gone.reason)
            except MediaNotYet as exc:
                if self._stopping.is_set():  # cut short by the stop: not her photo's fault
                    raise _Stopping from exc
                logger.warning("inbox row %s: photo not in yet (%s)", inbox_id, exc)
                if pause is not None:
                    self._pause(pause)
                continue
            if self._stopping.is_set():
                raise _Stopping
            return result
        logger.warning("inbox row %s: photo given up after %s tries", inbox_id, self._tries)
        return PhotoError(given_up, f"given up after {self._tries} tries")

    @property
    def _tries(self) -> int:
        return len(self._retry_pauses) + 1

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and time.monotonic() < deadline:
            time.sleep(min(0.1, seconds))

    def _items_of(self, payload: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        return tuple(payload.get(self.key, ()))


class MediaWorker:
    """Runs `AwaitingMedia.process` for the rows it is given, in at most `threads` threads
    at once, so a photo that takes long (S3 or the platform hanging until their timeouts)
    holds up only the person who sent it, even with an album. The threads are daemons: a
    stop does not wait for a fetch that hangs (its row stays awaiting its photos, for the
    next start's sweep)."""

    def __init__(self, media: AwaitingMedia, *, threads: int = 4) -> None:
        self.media = media
        self._threads = threads
        self._queue: list[int] = []
        self._ready = threading.Condition()
        self._started: list[threading.Thread] = []
        self._busy = 0  # threads processing a row now
        self._closing = False

    def submit(self, inbox_ids: Sequence[int]) -> None:
        if not inbox_ids:
            return
        with self._ready:
            if self._closing:
                return  # left awaiting: the next start's sweep fetches them
            self._queue.extend(inbox_ids)
            while len(self._started) < min(self._threads, len(self._queue) + self._busy):
                self._start_one()
            self._ready.notify(len(inbox_ids))

    def _start_one(self) -> None:
        name = f"media-{self.media.channel.value}-{len(self._started) + 1}"
        thread = threading.Thread(target=self._work, name=name, daemon=True)
        thread.start()
        self._started.append(thread)

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closing:
                    self._ready.wait()
                if self._closing:
                    return
                inbox_id = self._queue.pop(0)
                self._busy += 1
            try:
                self.media.process(inbox_id)
            except Exception:  # recorded already: the sweep tries again
                logger.exception("inbox row %s: photos not processed", inbox_id)
            finally:
                with self._ready:
                    self._busy -= 1

    def close(self, grace: float = 1.0) -> None:
        """Start nothing new; wait at most `grace` seconds for the rows being processed."""
        with self._ready:
            self._closing = True
            self._queue.clear()
            self._ready.notify_all()
        deadline = time.monotonic() + grace
        for thread in self._started:
            thread.join(max(0.0, deadline - time.monotonic()))
