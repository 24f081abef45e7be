"""Wake-ups after commit: whoever waits for rows (a channel's sender for its outbox messages,
the effect runner for its effects) is told as soon as a transaction that wrote some commits,
rather than finding them at its next look.

A unit of work notes what it wrote (`note`: which channel a message is for); after its
commit, every waker subscribed in this process is called once with what was noted. A rollback
forgets the notes. Wakers run in the committing thread, so they only set a flag or an event;
one that fails (its event loop closed as it stopped) is logged and never fails the commit.
Other processes (N web workers, one sending) still find the rows when they next look.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T", bound=Hashable)
logger = logging.getLogger(__name__)


class Wakeups(Generic[T]):
    """One kind of row to wake for (`name` keeps its notes apart from other kinds')."""

    def __init__(self, name: str) -> None:
        self._key = f"soko_wakeups:{name}"
        self._wakers: list[Callable[[frozenset[T]], None]] = []
        self._lock = threading.Lock()
        event.listen(Session, "after_commit", self._committed)
        event.listen(Session, "after_rollback", self._rolled_back)

    def note(self, session: Session, what: T) -> None:
        """This transaction wrote rows for `what`: wake its waiters once it commits."""
        noted: set[T] = session.info.setdefault(self._key, set())
        noted.add(what)

    def subscribe(self, waker: Callable[[frozenset[T]], None]) -> Callable[[], None]:
        """Call `waker` with what was noted after every commit (in this process) that noted
        something; returns what undoes it."""
        with self._lock:
            self._wakers.append(waker)

        def forget() -> None:
            with self._lock:
                if waker in self._wakers:
                    self._wakers.remove(waker)

        return forget

    def _committed(self, session: Session) -> None:
        noted = session.info.pop(self._key, None)
        if not noted:
            return
        with self._lock:
            wakers = list(self._wakers)
        for waker in wakers:
            try:
                waker(frozenset(noted))
            except Exception as exc:  # the rows are committed: they are found at the next look
                logger.warning("wake-up after commit failed (%s)", type(exc).__name__)

    def _rolled_back(self, session: Session) -> None:
        # A savepoint's rollback lands here too, inside the transaction: the notes stay, and
        # cost at most one wake-up that finds nothing.
        if not session.in_transaction():
            session.info.pop(self._key, None)
