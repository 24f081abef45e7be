"""Lossless long polling.

Telegram forgets an update once a later `getUpdates` call passes an offset beyond it. PTB's
stock `Updater` moves the offset as soon as it has fetched a batch, so a crash before the
batch is handled loses it. Here each batch is recorded in the inbox and COMMITTED first; the
next call's offset then confirms it. A crash anywhere in between means Telegram sends the
batch again, and the inbox (unique on channel + update id) turns the repeat into a no-op.
The poller itself never waits for a photo: a message with one is recorded awaiting it, and
the media worker fetches it (`handlers.awaiting_media`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import NetworkError

from conversations.failures import is_transient
from handlers.awaiting_media import MediaWorker
from handlers.telegram.app import ALLOWED_UPDATES, POLL_TIMEOUT_SECONDS
from handlers.telegram.receiver import Receiver
from handlers.telegram.worker import EngineWorker

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0


class LosslessPoller:
    def __init__(
        self,
        receiver: Receiver,
        worker: EngineWorker,
        media: MediaWorker,
        *,
        poll_timeout: int = POLL_TIMEOUT_SECONDS,
        limit: int = 100,
    ) -> None:
        self._receiver = receiver
        self._worker = worker
        self._media = media
        self._poll_timeout = poll_timeout
        self._limit = limit
        self.offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, which ends a poll in progress at once: a batch not
        recorded yet comes again, as after a crash. Network trouble, and a database too
        busy to record the batch (locked by another process past the busy timeout), back
        off and try again; other errors (a wrong token, another poller running) are
        raised."""
        backoff = 1.0
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                polling = asyncio.ensure_future(self.poll_once())
                await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not polling.done():
                    polling.cancel()
                    await asyncio.wait({polling})
                    return
                try:
                    polling.result()
                    backoff = 1.0
                except Exception as exc:
                    if not (isinstance(exc, NetworkError) or is_transient(exc)):
                        raise
                    logger.warning(
                        "telegram polling: %s; again in %.0fs", type(exc).__name__, backoff
                    )
                    await _sleep_unless(stop, backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            stopping.cancel()

    async def poll_once(self) -> int:
        """Fetch one batch, record it, confirm it on the next call; returns its size."""
        updates = await self._receiver.bot.get_updates(
            offset=self.offset,
            timeout=self._poll_timeout,
            limit=self._limit,
            allowed_updates=list(ALLOWED_UPDATES),
        )
        if not updates:
            return 0
        await self._receiver.answer_pre_checkouts(updates)  # first: Telegram waits 10 s
        received = [self._receiver.prepare(update) for update in updates]
        recorded = await asyncio.to_thread(self._receiver.record, received)
        # Recorded and committed: only now may the offset move past these updates.
        self.offset = updates[-1].update_id + 1
        self._worker.submit(recorded.handle)
        self._media.submit(recorded.fetch)
        await self._receiver.answer_callbacks(received)
        return len(updates)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
