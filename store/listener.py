"""Listening for wake-ups from other processes (PostgreSQL): a transaction that queues outbox
messages or records effects sends `pg_notify('soko_wakeups', '<name>:<what>')`
(`store/wakeups.py`), delivered when it commits; the process that sends (`soko scheduler`, or
`soko run` on PostgreSQL) listens on a connection of its own and hands each payload to
`wakeups.dispatch`, which wakes the waiting senders and effect runner as a commit in this
process would.

The connection is not the pool's (it stays in LISTEN for the life of the process), runs in
autocommit (a LISTEN in an open transaction hears nothing until it commits) and sends TCP
keepalives, so a connection a firewall dropped is noticed. When it drops, the thread says so
once and connects again with a growing pause; meanwhile the senders still look every second.
After each (re)connection every waiter is woken once, for what it may have missed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from store import wakeups

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how soon the thread sees `close`
FIRST_PAUSE = 0.5
LONGEST_PAUSE = 30.0
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def connect_kwargs(url: URL, application_name: str) -> dict[str, Any]:
    """What `psycopg.connect` needs to reach the database `url` names (password included:
    never logged)."""
    kwargs: dict[str, Any] = url.translate_connect_args(username="user", database="dbname")
    kwargs.update({key: value for key, value in url.query.items() if isinstance(value, str)})
    kwargs.update(KEEPALIVES)
    kwargs["application_name"] = application_name
    return kwargs


class Listener:
    """A daemon thread listening on `soko_wakeups` until `close`."""

    def __init__(
        self,
        url: URL,
        *,
        dispatch: Callable[[str], object] = wakeups.dispatch,
        connected: Callable[[], None] = wakeups.wake_all,
        application_name: str = "soko-listener",
        poll: float = POLL_SECONDS,
    ) -> None:
        self._kwargs = connect_kwargs(url, application_name)
        self._dispatch = dispatch
        self._connected = connected
        self._poll = poll
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while LISTEN is in place
        self._thread = threading.Thread(target=self._run, name="wakeup-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._poll + 2.0)

    def _run(self) -> None:
        pause = FIRST_PAUSE
        failing = False
        while not self._stop.is_set():
            try:
                self._listen()
                return
            except Exception as exc:  # psycopg's errors, and whatever a dead socket raises
                self.listening.clear()
                if not failing:
                    logger.warning(
                        "wake-ups: the listening connection failed (%s); connecting again "
                        "(the senders look every second meanwhile)",
                        type(exc).__name__,
                    )
                    failing = True
            self._stop.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def _listen(self) -> None:
        import psycopg  # PostgreSQL only: the extra installs it

        with psycopg.connect(autocommit=True, **self._kwargs) as connection:
            connection.execute(f"LISTEN {wakeups.NOTIFY_CHANNEL}")
            self.listening.set()
            logger.info("wake-ups: listening")
            self._connected()  # what was sent while nobody listened is looked for now
            while not self._stop.is_set():
                for notice in connection.notifies(timeout=self._poll):
                    self._hand_on(notice.payload)
        self.listening.clear()

    def _hand_on(self, payload: str) -> None:
        try:
            self._dispatch(payload)
        except Exception:  # a waker's bug must not end the listening
            logger.exception("wake-ups: a wake-up failed")


@contextmanager
def listening(engine: Engine, application_name: str = "soko-listener") -> Iterator[None]:
    """Listen for other processes' wake-ups while the block runs (PostgreSQL; nothing on
    SQLite, where one process writes and sends)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    listener = Listener(engine.url, application_name=application_name)
    listener.start()
    try:
        yield
    finally:
        listener.close()
