"""Handing recorded updates to the (synchronous) engine in worker threads. (The sender is woken
by the commit that queued the replies: `conversations.outbox.on_queued`.)

Updates that are ready together are handled together (`ChatEngine.handle_many`: one unit of work,
one commit): a busy bot pays for one transaction per group rather than per update, and its
threads do not queue on SQLite's single writer one update at a time."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from conversations.engine import ChatEngine, HandleResult, sweep_all

logger = logging.getLogger(__name__)

GROUP_MAX = 100  # updates handled in one unit of work (one commit)


class EngineWorker:
    """Runs the engine off the event loop. The engine keeps each person's updates in order
    however many threads ask, so the pool may be larger than one.

    `submit` queues ids; one thread at a time takes up to `GROUP_MAX` of those queued (in
    arrival order) and handles them as one group, then the next. The engine is built on first
    use (`engine_factory`): the shop it serves needs the bot's username, which is known once
    PTB's Bot has been initialised.
    """

    def __init__(
        self,
        engine_factory: Callable[[], ChatEngine],
        *,
        threads: int = 4,
    ) -> None:
        self._engine_factory = engine_factory
        self._engine: ChatEngine | None = None
        self._engine_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="engine")
        self._queued: deque[int] = deque()
        self._queued_lock = threading.Lock()
        self._draining = threading.Lock()
        self._closing = False

    @property
    def engine(self) -> ChatEngine:
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._engine_factory()
            return self._engine

    async def handle(self, inbox_ids: Sequence[int]) -> None:
        """Handle these updates (one group) and return when they are."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._pool, self._handle_group, list(inbox_ids))

    def submit(self, inbox_ids: Sequence[int]) -> None:
        """Fire and forget: a crash leaves the rows pending for the next sweep."""
        if not inbox_ids:
            return
        with self._queued_lock:
            self._queued.extend(inbox_ids)
        self._pool.submit(self._drain)

    def sweep(self, batch: int = 100) -> int:
        """Handle everything recorded but not handled (after a crash, or failed earlier), on
        every channel; how many updates were handled."""

        def once(limit: int) -> list[HandleResult]:
            if self._closing:
                return []
            return self.engine.handle_pending(limit)

        return sweep_all(once, batch)

    def _drain(self) -> None:
        """Handle queued groups in arrival order, one thread at a time: a group handled
        before an earlier one would find that one's rows pending and handle them itself, one
        by one. (SQLite writes one transaction at a time anyway.)"""
        while self._draining.acquire(blocking=False):
            try:
                while group := self._take_group():
                    self._handle_group(group)
            finally:
                self._draining.release()
            with self._queued_lock:  # ids queued after the last take, while we held the lock
                if not self._queued:
                    return

    def _take_group(self) -> list[int]:
        with self._queued_lock:
            take = min(GROUP_MAX, len(self._queued))
            return [self._queued.popleft() for _ in range(take)]

    def _handle_group(self, inbox_ids: list[int]) -> None:
        try:
            self.engine.handle_many(inbox_ids)
        except Exception:  # the engine answers failures itself; this is a last resort
            logger.exception("engine failed on inbox rows %s", inbox_ids)

    def close(self, *, finish_queued: bool = True) -> None:
        """Finish the group being handled and (unless `finish_queued` is False) the queued
        ones; a sweep stops after its batch. What is left stays pending in the inbox, for the
        next start's sweep."""
        self._closing = True
        if not finish_queued:
            with self._queued_lock:
                self._queued.clear()
        self._pool.shutdown(wait=True)
