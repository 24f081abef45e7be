"""Handing recorded updates to the (synchronous) engine in worker threads, and telling the
sender when replies are waiting."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from conversations.engine import Engine

logger = logging.getLogger(__name__)


class EngineWorker:
    """Runs `Engine.handle` off the event loop. The engine keeps each person's updates in
    order however many threads ask, so the pool may be larger than one.

    The engine is built on first use (`engine_factory`): the shop it serves needs the bot's
    username, which is known once PTB's Bot has been initialised.
    """

    def __init__(
        self,
        engine_factory: Callable[[], Engine],
        *,
        threads: int = 4,
        on_handled: Callable[[], object] | None = None,
    ) -> None:
        self._engine_factory = engine_factory
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="engine")
        self._on_handled = on_handled or (lambda: None)

    @property
    def engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._engine_factory()
            return self._engine

    def set_on_handled(self, callback: Callable[[], object]) -> None:
        self._on_handled = callback

    async def handle(self, inbox_ids: Sequence[int]) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._pool, self._handle_one, i) for i in inbox_ids)
        )

    def submit(self, inbox_ids: Sequence[int]) -> None:
        """Fire and forget: a crash leaves the rows pending for the next sweep."""
        for inbox_id in inbox_ids:
            self._pool.submit(self._handle_one, inbox_id)

    def sweep(self, batch: int = 100) -> int:
        """Handle everything recorded but not handled (after a crash, or failed earlier)."""
        total = 0
        while True:
            results = self.engine.handle_pending(batch)
            total += len(results)
            if results:
                self._on_handled()
            if len(results) < batch:
                return total

    def _handle_one(self, inbox_id: int) -> None:
        try:
            self.engine.handle(inbox_id)
        except Exception:  # the engine answers failures itself; this is a last resort
            logger.exception("engine failed on inbox row %s", inbox_id)
        self._on_handled()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
