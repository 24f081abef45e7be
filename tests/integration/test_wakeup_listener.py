"""Wake-ups across processes on PostgreSQL: a transaction that queues an outbox message sends
NOTIFY with it, so a commit in another process wakes the sender subscribed here through the
listener; a rolled-back transaction wakes nobody; a listening connection that drops is made
again. (No sender looks by itself here: only the notification can explain a wake-up.)"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from datetime import UTC, datetime
from textwrap import dedent

import pytest
from sqlalchemy import Engine, text

from conversations import outbox
from conversations.messages import Outbound
from store import wakeups
from store.listener import Listener
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.factories import make_user

NOW = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
PATIENCE = 60.0  # seconds a loaded machine may take; never a measure of speed
APP = "soko-listener-test"


@pytest.fixture
def heard() -> queue.Queue[str]:
    """What the listener heard, in order."""
    return queue.Queue()


def start(engine: Engine, dispatch: object, connected: threading.Event) -> Listener:
    listener = Listener(
        engine.url,
        dispatch=dispatch,  # type: ignore[arg-type]
        connected=connected.set,
        application_name=APP,
        poll=0.2,
    )
    listener.start()
    assert connected.wait(PATIENCE)
    return listener


def queue_in_another_process(engine: Engine, channel: Channel) -> None:
    """Queue a message in a process of its own: its commit cannot wake this one directly."""
    script = dedent(
        f"""
        from datetime import UTC, datetime
        from conversations import outbox
        from conversations.messages import Outbound
        from store.db import make_engine
        from store.models import Channel
        from store.uow import UnitOfWorkFactory
        from tests.factories import make_user

        uow_factory = UnitOfWorkFactory(make_engine({engine.url.render_as_string(False)!r}))
        with uow_factory() as uow:
            user = make_user(uow.session, "Wanjiru")
            outbox.enqueue(
                uow.session, user.id, Channel({channel.value!r}), "4242", Outbound("Karibu!"),
                now=datetime.now(UTC),
            )
            uow.commit()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=PATIENCE)


def queue_here(uow_factory: UnitOfWorkFactory, channel: Channel, *, commit: bool) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session, channel=channel)
        outbox.enqueue(uow.session, user.id, channel, "4242", Outbound("Chagua:"), now=NOW)
        if commit:
            uow.commit()


def test_a_commit_in_another_process_wakes_the_sender_subscribed_here(
    postgres_engine: Engine,
) -> None:
    woken = threading.Event()
    forget = outbox.on_queued(Channel.TELEGRAM, woken.set)
    listener = start(postgres_engine, wakeups.dispatch, threading.Event())
    try:
        queue_in_another_process(postgres_engine, Channel.TELEGRAM)
        assert woken.wait(PATIENCE)
    finally:
        listener.close()
        forget()


def test_a_rolled_back_transaction_notifies_nobody(
    postgres_engine: Engine, heard: queue.Queue[str]
) -> None:
    listener = start(postgres_engine, heard.put, threading.Event())
    uow_factory = UnitOfWorkFactory(postgres_engine)
    try:
        queue_here(uow_factory, Channel.WHATSAPP, commit=False)
        queue_here(uow_factory, Channel.TELEGRAM, commit=True)
        # Notifications arrive in commit order: had the rollback sent one, it came first.
        assert heard.get(timeout=PATIENCE) == "outbox:telegram"
        assert heard.empty()
    finally:
        listener.close()


def test_a_dropped_listening_connection_is_made_again(
    postgres_engine: Engine, heard: queue.Queue[str]
) -> None:
    connections = threading.Semaphore(0)

    class Connected(threading.Event):
        def set(self) -> None:
            connections.release()
            super().set()

    listener = start(postgres_engine, heard.put, Connected())
    assert connections.acquire(timeout=PATIENCE)
    try:
        with postgres_engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :app AND datname = current_database()"
                ),
                {"app": APP},
            )
        assert connections.acquire(timeout=PATIENCE)  # connected again
        queue_here(UnitOfWorkFactory(postgres_engine), Channel.WHATSAPP, commit=True)
        assert heard.get(timeout=PATIENCE) == "outbox:whatsapp"
    finally:
        listener.close()


def test_a_message_queued_again_after_a_savepoint_rolled_back_still_notifies(
    postgres_engine: Engine, heard: queue.Queue[str]
) -> None:
    listener = start(postgres_engine, heard.put, threading.Event())
    uow_factory = UnitOfWorkFactory(postgres_engine)
    try:
        with uow_factory() as uow:
            user = make_user(uow.session, channel=Channel.TELEGRAM)
            savepoint = uow.session.begin_nested()
            outbox.enqueue(uow.session, user.id, Channel.TELEGRAM, "4242", Outbound("A"), now=NOW)
            savepoint.rollback()  # that message is gone …
            outbox.enqueue(uow.session, user.id, Channel.TELEGRAM, "4242", Outbound("B"), now=NOW)
            uow.commit()  # … this one is queued, and its sender must hear of it
        assert heard.get(timeout=PATIENCE) == "outbox:telegram"
    finally:
        listener.close()
