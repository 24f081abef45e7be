"""Claims are short and renewed: a sender's lease on the outbox rows it claimed moves forward
while it still holds them (a slow send outlasts the lease without anyone else taking the row),
and the rows of a sender that died — claimed, never settled, never renewed — are due again
within the lease, not a minute later. A running sender beats its heartbeat."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError
from telegram import Bot

from conversations import outbox
from conversations.messages import Outbound
from handlers.telegram import claims
from handlers.telegram.delivery import TelegramDelivery
from handlers.whatsapp.delivery import WhatsAppDelivery
from handlers.whatsapp.templates import TemplateSids
from store import heartbeats
from store.media.storage import MediaStore
from store.models import Channel, Identity, OutboxMessage, OutboxStatus
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory
from tests.factories import make_user

T0 = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
PATIENCE = 60.0  # seconds a loaded machine may take; never a measure of speed


def queue(uow_factory: UnitOfWorkFactory, channel: Channel, text: str, now: datetime) -> int:
    with uow_factory() as uow:
        user = make_user(uow.session, channel=channel)
        identity = uow.session.scalars(select(Identity).where(Identity.user_id == user.id)).one()
        identity.last_inbound_at = now  # WhatsApp's window is open
        outbox_id = outbox.enqueue(
            uow.session, user.id, channel, identity.platform_user_id, Outbound(text), now=now
        )
        uow.commit()
    return outbox_id


def due_at(uow_factory: UnitOfWorkFactory, outbox_id: int) -> datetime:
    with uow_factory(read_only=True) as uow:
        row = uow.session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row.next_attempt_at


def claim(uow_factory: UnitOfWorkFactory, now: datetime) -> list[claims.Job]:
    with uow_factory() as uow:
        jobs = claims.claim_due(uow.session, now, 10)
        uow.commit()
    return jobs


def test_a_dead_senders_rows_are_due_again_within_the_lease(
    uow_factory: UnitOfWorkFactory,
) -> None:
    outbox_id = queue(uow_factory, Channel.TELEGRAM, "Karibu!", T0)
    assert [job.outbox_id for job in claim(uow_factory, T0)] == [outbox_id]
    # … and the sender died: nothing renews, nothing settles.
    assert timedelta(seconds=10) >= claims.LEASE
    assert claim(uow_factory, T0 + claims.LEASE - timedelta(seconds=1)) == []
    assert [job.outbox_id for job in claim(uow_factory, T0 + claims.LEASE)] == [outbox_id]


def test_renewal_moves_only_the_leases_the_sender_still_holds(
    uow_factory: UnitOfWorkFactory,
) -> None:
    held = queue(uow_factory, Channel.TELEGRAM, "Chagua:", T0)
    settled = queue(uow_factory, Channel.TELEGRAM, "Asante!", T0)
    jobs = claim(uow_factory, T0)
    retry_at = T0 + timedelta(seconds=2)
    with uow_factory() as uow:  # the second failed meanwhile: due again at its retry
        outbox.mark_failed(uow.session, settled, "NetworkError", retry_at)
        uow.commit()
    later = T0 + timedelta(seconds=3)
    with uow_factory() as uow:
        renewed = claims.renew(uow.session, jobs, later + claims.LEASE)
        uow.commit()
    assert renewed == {held}
    assert due_at(uow_factory, held) == later + claims.LEASE
    assert due_at(uow_factory, settled) == retry_at


class SlowBot:
    """Telegram answering a send only when told to."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.answer = asyncio.Event()
        self.sent: list[str] = []

    async def send_message(self, chat_id: str, text: str, **_: Any) -> Any:
        self.started.set()
        await self.answer.wait()
        self.sent.append(text)
        return SimpleNamespace(message_id=len(self.sent), photo=None)


def moved_past(uow_factory: UnitOfWorkFactory, outbox_id: int, first: datetime) -> bool:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if due_at(uow_factory, outbox_id) > first:
            return True
        time.sleep(0.02)
    return False


def test_the_telegram_sender_renews_its_lease_while_a_send_is_slow(
    uow_factory: UnitOfWorkFactory,
) -> None:
    outbox_id = queue(uow_factory, Channel.TELEGRAM, "Oda yako iko njiani.", utcnow())
    bot = SlowBot()
    delivery = TelegramDelivery(
        cast(Bot, bot), uow_factory, cast(MediaStore, None), renew_every=0.05
    )

    async def scenario() -> bool:
        stop = asyncio.Event()
        sender = asyncio.create_task(delivery.run(asyncio.Event(), stop, idle=60, grace=5))
        await asyncio.wait_for(bot.started.wait(), PATIENCE)
        first = await asyncio.to_thread(due_at, uow_factory, outbox_id)
        moved = await asyncio.to_thread(moved_past, uow_factory, outbox_id, first)
        bot.answer.set()
        stop.set()  # the send in flight finishes within the grace
        await sender
        return moved

    assert asyncio.run(scenario())
    assert bot.sent == ["Oda yako iko njiani."]
    with uow_factory(read_only=True) as uow:
        row = uow.session.get(OutboxMessage, outbox_id)
        assert row is not None
        assert row.status is OutboxStatus.SENT
        assert heartbeats.delivery("telegram") in heartbeats.last_beats(uow.session)


class SlowTwilio:
    """Twilio's Messages API answering only when told to."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.answer = threading.Event()
        self.messages = self

    def create(self, **kwargs: Any) -> Any:
        self.started.set()
        assert self.answer.wait(PATIENCE)
        return SimpleNamespace(sid="SM" + "1" * 32)


def test_the_whatsapp_sender_renews_its_lease_while_a_send_is_slow(
    uow_factory: UnitOfWorkFactory,
) -> None:
    outbox_id = queue(uow_factory, Channel.WHATSAPP, "Oda yako iko njiani.", utcnow())
    twilio = SlowTwilio()
    delivery = WhatsAppDelivery(
        uow_factory,
        cast(Any, twilio),
        sender="+14155238886",
        status_callback="https://shop.test/webhooks/twilio/status",
        templates=TemplateSids,
        image_url=lambda key: key,
        renew_every=0.05,
    )
    stop = threading.Event()
    sending = threading.Thread(target=delivery.run, args=(stop, 60.0), daemon=True)
    sending.start()
    assert twilio.started.wait(PATIENCE)
    first = due_at(uow_factory, outbox_id)
    moved = moved_past(uow_factory, outbox_id, first)
    twilio.answer.set()
    stop.set()
    delivery.close(5.0)
    sending.join(PATIENCE)
    assert moved
    with uow_factory(read_only=True) as uow:
        row = uow.session.get(OutboxMessage, outbox_id)
        assert row is not None
        assert row.status is OutboxStatus.SENT
        assert heartbeats.delivery("whatsapp") in heartbeats.last_beats(uow.session)


class QuickBot:
    """Telegram answering every send at once."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, chat_id: str, text: str, **_: Any) -> Any:
        self.sent.append(text)
        return SimpleNamespace(message_id=len(self.sent), photo=None)


def test_a_sent_mark_the_database_refused_leaves_no_row_claimed_for_ever(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # Telegram took the message, then the database refused the commit saying so (busy, a
    # statement timeout, no pool connection). The row must not stay claimed, its lease renewed
    # and the person's later replies held behind it, for as long as the sender runs: it goes
    # back with the part delivered, and is settled once, not sent again.
    outbox_id = queue(uow_factory, Channel.TELEGRAM, "Asante, tumepokea picha yako.", utcnow())
    bot = QuickBot()
    delivery = TelegramDelivery(
        cast(Bot, bot), uow_factory, cast(MediaStore, None), renew_every=0.05
    )
    write_sent = delivery._marks._write
    refused: list[int] = []

    def busy_once(jobs: Any) -> None:
        if not refused:
            refused.append(len(jobs))
            raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))
        write_sent(jobs)

    delivery._marks._write = busy_once

    def settled() -> bool:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            with uow_factory(read_only=True) as uow:
                row = uow.session.get(OutboxMessage, outbox_id)
                assert row is not None
                if row.status is OutboxStatus.SENT:
                    return True
            time.sleep(0.05)
        return False

    async def scenario() -> bool:
        stop = asyncio.Event()
        sender = asyncio.create_task(delivery.run(asyncio.Event(), stop, idle=0.05, grace=5))
        done = await asyncio.to_thread(settled)
        stop.set()
        await sender
        return done

    assert asyncio.run(scenario())
    assert refused == [1]
    assert bot.sent == ["Asante, tumepokea picha yako."]


def test_a_new_sender_learns_what_was_sent_within_the_window_before_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    long_ago = queue(uow_factory, Channel.TELEGRAM, "Karibu!", T0)
    photo_and_text = queue(uow_factory, Channel.TELEGRAM, "Mkufu: KES 800", T0)
    queue(uow_factory, Channel.TELEGRAM, "Bado", T0)  # pending: not sent by anyone
    with uow_factory() as uow:
        outbox.mark_sent(uow.session, long_ago, "11", T0 - timedelta(seconds=10))
        outbox.mark_sent(uow.session, photo_and_text, "12,13", T0 - timedelta(seconds=1))
        row = uow.session.get(OutboxMessage, photo_and_text)
        assert row is not None
        chat = row.platform_user_id
        uow.commit()
    with uow_factory(read_only=True) as uow:
        recent = claims.recent_sends(uow.session, T0 - timedelta(seconds=3))
    assert recent == [(chat, T0 - timedelta(seconds=1), 2)]


def _blocked_on_a_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
    return bool(waiting == "Lock")


@pytest.mark.parametrize("statement", ["mark_sent", "renew", "release"])
def test_statements_on_several_outbox_rows_lock_them_lowest_id_first(
    postgres_engine: Engine, statement: str
) -> None:
    """Marking rows sent and renewing their leases used to lock the same rows in different
    orders: PostgreSQL found deadlocks. Now each waits for a lower row before taking a higher."""
    factory = UnitOfWorkFactory(postgres_engine)
    low = queue(factory, Channel.TELEGRAM, "Karibu!", T0)
    high = queue(factory, Channel.TELEGRAM, "Asante!", T0)
    jobs = {job.outbox_id: job for job in claim(factory, T0)}
    failures: list[BaseException] = []
    pid: list[int] = []

    def write() -> None:
        try:
            with factory() as uow:
                session = uow.session
                pid.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
                if statement == "mark_sent":  # the higher row first, as a batch may list them
                    outbox.mark_sent_many(session, [(high, "2"), (low, "1")], T0)
                elif statement == "renew":
                    claims.renew(session, [jobs[high], jobs[low]], T0 + claims.LEASE)
                else:
                    claims.release(session, [high, low], T0)
                uow.commit()
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    with postgres_engine.connect() as other:
        other.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": low})
        writer = threading.Thread(target=write)
        writer.start()
        deadline = time.monotonic() + PATIENCE
        while not (pid and _blocked_on_a_lock(postgres_engine, pid[0])):
            assert time.monotonic() < deadline, "the writer never waited for the lower row"
            time.sleep(0.05)
        # The writer waits for the lower row, holding nothing: the higher one is free.
        other.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE NOWAIT"), {"id": high})
        other.rollback()
    writer.join(PATIENCE)
    assert not failures
