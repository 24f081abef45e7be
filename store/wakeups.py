"""Wake-ups after commit: whoever waits for rows (a channel's sender for its outbox messages,
the effect runner for its effects) is told as soon as a transaction that wrote some commits,
rather than finding them at its next look.

A unit of work notes what it wrote (`note`: which channel a message is for); after its
commit, every waker subscribed in this process is called once with what was noted. A rollback
forgets the notes. Wakers run in the committing thread, so they only set a flag or an event;
one that fails (its event loop closed as it stopped) is logged and never fails the commit.

Across processes (N web workers, one process sending) on PostgreSQL: just before the commit,
the same transaction sends `pg_notify('soko_wakeups', '<name>:<what>')` once per distinct
note, so the notification is delivered when (and only if) the rows are committed. The
sending process listens (`store/listener.py`) and hands each payload to `dispatch`, which
calls the wakers of the `Wakeups` of that name as a local commit would. SQLite has one
process (`soko run`), so the local wake-up is all it needs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

T = TypeVar("T", bound=Hashable)
logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "soko_wakeups"
_by_name: dict[str, Wakeups[object]] = {}  # every Wakeups made, by name (for `dispatch`)
_by_name_lock = threading.Lock()


class Wakeups(Generic[T]):
    """One kind of row to wake for (`name` keeps its notes apart from other kinds', and names
    its notifications). What is noted travels as `str(what)` and is read back with `parse`."""

    def __init__(self, name: str, parse: Callable[[str], T]) -> None:
        if ":" in name:
            raise ValueError(f"a wake-up name has no colon: {name!r}")
        self.name = name
        self._parse = parse
        self._key = f"soko_wakeups:{name}"
        self._wakers: list[Callable[[frozenset[T]], None]] = []
        self._lock = threading.Lock()
        event.listen(Session, "before_commit", self._committing)
        event.listen(Session, "after_commit", self._committed)
        event.listen(Session, "after_rollback", self._rolled_back)
        with _by_name_lock:
            _by_name[name] = self  # type: ignore[assignment]

    def note(self, session: Session, what: T) -> None:
        """This transaction wrote rows for `what`: wake its waiters once it commits."""
        noted: set[T] = session.info.setdefault(self._key, set())
        noted.add(what)

    def subscribe(self, waker: Callable[[frozenset[T]], None]) -> Callable[[], None]:
        """Call `waker` with what was noted after every commit (in this process, or another
        one whose notification `dispatch` received) that noted something; returns what
        undoes it."""
        with self._lock:
            self._wakers.append(waker)

        def forget() -> None:
            with self._lock:
                if waker in self._wakers:
                    self._wakers.remove(waker)

        return forget

    def wake(self, what: frozenset[T]) -> None:
        """Call every waker subscribed here with `what` (a commit noted it; empty: anything
        may have been written, as after the listening connection was down)."""
        with self._lock:
            wakers = list(self._wakers)
        for waker in wakers:
            try:
                waker(what)
            except Exception as exc:  # the rows are committed: they are found at the next look
                logger.warning("wake-up after commit failed (%s)", type(exc).__name__)

    def _committing(self, session: Session) -> None:
        # Sent at the end of the transaction, not at each note: a note made inside a savepoint
        # that rolls back would lose its NOTIFY with it, and then be told to nobody. A note
        # whose rows a savepoint rolled back costs at most one wake-up that finds nothing.
        noted = session.info.get(self._key)
        if not noted or session.in_nested_transaction():  # a savepoint released: not yet
            return
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            return
        for what in sorted(str(w) for w in noted):
            connection.execute(select(func.pg_notify(NOTIFY_CHANNEL, f"{self.name}:{what}")))

    def _committed(self, session: Session) -> None:
        noted = session.info.pop(self._key, None)
        if noted:
            self.wake(frozenset(noted))

    def _rolled_back(self, session: Session) -> None:
        # A savepoint's rollback lands here too, inside the transaction: the notes stay, and
        # cost at most one wake-up that finds nothing.
        if not session.in_transaction():
            session.info.pop(self._key, None)


def dispatch(payload: str) -> bool:
    """A notification's payload (`<name>:<what>`) → the wakers of that `Wakeups`; whether
    it named one. Anything else is ignored (logged at DEBUG: an older or newer version's)."""
    name, colon, what = payload.partition(":")
    with _by_name_lock:
        wakeups = _by_name.get(name)
    if not colon or wakeups is None:
        logger.debug("wake-up %r: nobody here listens for it", payload[:80])
        return False
    try:
        parsed = wakeups._parse(what)
    except ValueError:
        logger.debug("wake-up %r: not understood", payload[:80])
        return False
    wakeups.wake(frozenset({parsed}))
    return True


def wake_all() -> None:
    """Wake every waiter for everything (notifications may have been missed: the listening
    connection was down), so each looks once now."""
    with _by_name_lock:
        every = list(_by_name.values())
    for wakeups in every:
        wakeups.wake(frozenset())
