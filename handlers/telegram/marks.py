"""Marking delivered outbox rows sent, many in one transaction (group commit).

A chat's sender waits until its message is marked (committed) before it sends that chat's
next one, so a crash can still repeat at most one message per chat; meanwhile the marks of
every chat that finished a send share one transaction instead of one commit each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """`await add(item)` returns once `write` has committed a batch holding `item`. Items
    added while a batch is being written form the next batch; `write` runs in a thread."""

    def __init__(self, write: Callable[[Sequence[T]], None]) -> None:
        self._write = write
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, item: T) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await asyncio.to_thread(self._write, [item for item, _ in batch])
            except Exception as exc:  # each waiter raises it, as its own commit would have
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
