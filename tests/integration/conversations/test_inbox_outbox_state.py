"""Inbox, outbox and conversation state on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from conversations import outbox
from conversations.errors import StaleState
from conversations.inbox import load_inbound, pending_inbox, record_inbound
from conversations.messages import Choice, Contact, Inbound, Location, Outbound
from conversations.photo_records import StoredPhoto
from conversations.state import ConversationSnapshot, SqlStateStore
from store.media.errors import PhotoError, PhotoErrorCode
from store.models import Channel, Identity, InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from store.services.product_photos import PhotoRecord
from store.uow import UnitOfWorkFactory
from tests.factories import make_user

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SHA = "cd" * 32
STORED = StoredPhoto(
    PhotoRecord(SHA, "0123456789abcdef", 1600, 1200, {"large": f"{SHA}/large.jpg"})
)


def inbound(message_id: str = "m1", **kwargs: object) -> Inbound:
    return Inbound(Channel.WHATSAPP, "+254700000001", message_id, **kwargs)  # type: ignore[arg-type]


def test_an_update_is_recorded_once_and_read_back_with_its_stored_photo_records(
    uow_factory: UnitOfWorkFactory,
) -> None:
    update = inbound(
        text="Bangle",
        photos=(STORED, PhotoError(PhotoErrorCode.TOO_SMALL)),
        location=Location(-1.31, 36.78),
        contact=Contact("+254700000001", is_own=True),
        verified_phone="+254700000001",
        locale_hint="sw",
        profile_name="Amina",
        media_group_id="album-1",
    )
    with uow_factory() as uow:
        first = record_inbound(uow.session, update, NOW)
        uow.commit()
    with uow_factory() as uow:
        again = record_inbound(uow.session, update, NOW)
        uow.commit()
    assert not first.duplicate
    assert again.duplicate
    assert again.inbox_id == first.inbox_id
    with uow_factory() as uow:
        row = uow.session.get(InboxMessage, first.inbox_id)
        assert row is not None
        stored, refused = row.payload["photos"]
        assert stored["keys"] == STORED.record.keys  # where the renditions are, not bytes
        assert refused == {"refused": "too_small"}
        assert load_inbound(row) == update


def test_parallel_deliveries_of_one_update_make_one_row(uow_factory: UnitOfWorkFactory) -> None:
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def deliver() -> None:
        barrier.wait()
        with uow_factory() as uow:
            results.append(record_inbound(uow.session, inbound("same"), NOW).duplicate)
            uow.commit()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True, True, True]
    with uow_factory() as uow:
        assert len(pending_inbox(uow.session, 10, now=NOW)) == 1


def test_pending_inbox_lists_received_rows_that_are_due_in_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        ids = [record_inbound(uow.session, inbound(f"m{n}"), NOW).inbox_id for n in range(5)]
        rows = {row.id: row for row in uow.session.execute(select(InboxMessage)).scalars()}
        rows[ids[0]].status = InboxStatus.HANDLED
        rows[ids[1]].attempts, rows[ids[1]].retry_at = 1, NOW  # a transient failure, due
        rows[ids[2]].status, rows[ids[2]].attempts = InboxStatus.FAILED, 1  # a bug: parked
        rows[ids[3]].attempts, rows[ids[3]].retry_at = 1, NOW + timedelta(seconds=1)
        uow.commit()
    with uow_factory() as uow:
        # The last waits behind the one before it, which is not due yet.
        assert [row.id for row in pending_inbox(uow.session, 10, now=NOW)] == [ids[1]]
        later = NOW + timedelta(seconds=1)
        assert [row.id for row in pending_inbox(uow.session, 10, now=later)] == [
            ids[1],
            ids[3],
            ids[4],
        ]
        assert [row.id for row in pending_inbox(uow.session, 1, now=NOW)] == [ids[1]]


def test_a_sweep_on_postgresql_leaves_the_rows_a_worker_is_handling(
    postgres_engine: Engine,
) -> None:
    uow_factory = UnitOfWorkFactory(postgres_engine)
    with uow_factory() as uow:
        busy, orphan = (record_inbound(uow.session, inbound(f"m{n}"), NOW).inbox_id for n in (1, 2))
        uow.commit()
    with uow_factory() as worker:  # handling `busy`: the engine holds its row lock
        worker.session.get(InboxMessage, busy, with_for_update=True)
        with uow_factory(read_only=True) as sweep:
            assert [row.id for row in pending_inbox(sweep.session, 10, now=NOW)] == [orphan]
    with uow_factory(read_only=True) as sweep:  # the worker gone, its row is the sweep's
        assert [row.id for row in pending_inbox(sweep.session, 10, now=NOW)] == [busy, orphan]


def test_state_saves_with_a_version_check(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        store = SqlStateStore(uow.session, lambda: NOW)
        assert store.load(user.id) == ConversationSnapshot()
        saved = store.save(user.id, ConversationSnapshot("listing", "title", {"n": [1, 2]}))
        assert saved.version == 1
        again = store.save(user.id, ConversationSnapshot("listing", "price", {"n": 3}, 1))
        assert again.version == 2
        with pytest.raises(StaleState):
            store.save(user.id, ConversationSnapshot("listing", "late", {}, 1))
        with pytest.raises(StaleState):
            store.save(user.id, ConversationSnapshot("listing", "late", {}, 0))
        uow.commit()
    with uow_factory() as uow:
        assert SqlStateStore(uow.session).load(user.id) == ConversationSnapshot(
            "listing", "price", {"n": 3}, 2
        )


def test_enqueue_dedupes_by_key_and_round_trips_the_message(
    uow_factory: UnitOfWorkFactory,
) -> None:
    message = Outbound("Pick one", choices=(Choice("Red", "c:red"),), request_contact=True)
    with uow_factory() as uow:
        user = make_user(uow.session)
        first = outbox.enqueue(
            uow.session, user.id, Channel.TELEGRAM, "42", message, dedupe_key="k", now=NOW
        )
        second = outbox.enqueue(
            uow.session, user.id, Channel.TELEGRAM, "42", message, dedupe_key="k", now=NOW
        )
        third = outbox.enqueue(uow.session, user.id, Channel.TELEGRAM, "42", message, now=NOW)
        uow.commit()
    assert first == second != third
    with uow_factory() as uow:
        row = uow.session.get(OutboxMessage, first)
        assert row is not None
        assert outbox.outbound_of(row) == message


def test_notify_addresses_the_identity_written_from_last(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_user(uow.session, channel=Channel.TELEGRAM)
        session = uow.session
        telegram = session.execute(
            select(Identity).where(Identity.user_id == artisan.id)
        ).scalar_one()
        telegram.last_inbound_at = NOW - timedelta(days=2)
        session.add(
            Identity(
                user_id=artisan.id,
                channel=Channel.WHATSAPP,
                platform_user_id="+254711000000",
                last_inbound_at=NOW - timedelta(hours=1),
            )
        )
        nobody = make_user(session)
        for identity in session.execute(select(Identity).where(Identity.user_id == nobody.id)):
            session.delete(identity[0])
        session.flush()
        sent = outbox.notify(session, artisan.id, Outbound("New order!"), now=NOW)
        assert outbox.notify(session, nobody.id, Outbound("hello?"), now=NOW) is None
        uow.commit()
    with uow_factory() as uow:
        row = uow.session.get(OutboxMessage, sent)
        assert row is not None
        assert (row.channel, row.platform_user_id) == (Channel.WHATSAPP, "+254711000000")


def test_due_messages_and_delivery_outcomes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        ids = [
            outbox.enqueue(uow.session, user.id, Channel.CONSOLE, "me", Outbound(f"m{n}"), now=NOW)
            for n in range(3)
        ]
        uow.commit()
    with uow_factory() as uow:
        assert [row.id for row in outbox.due_messages(uow.session, NOW, 10)] == ids
        outbox.mark_sent(uow.session, ids[0], "tg-1", NOW)
        outbox.mark_failed(uow.session, ids[1], "429 Too Many Requests", NOW + timedelta(minutes=1))
        outbox.mark_failed(uow.session, ids[2], "403 blocked by user", None)
        uow.commit()
    with uow_factory() as uow:
        assert outbox.due_messages(uow.session, NOW, 10) == []
        later = outbox.due_messages(uow.session, NOW + timedelta(minutes=1), 10)
        assert [row.id for row in later] == [ids[1]]
        rows = {r.id: r for r in uow.session.execute(select(OutboxMessage)).scalars()}
        sent, retried, failed = (rows[i] for i in ids)
        assert (sent.status, sent.platform_message_id, sent.sent_at) == (
            OutboxStatus.SENT,
            "tg-1",
            NOW,
        )
        assert (retried.status, retried.attempts) == (OutboxStatus.PENDING, 1)
        assert (failed.status, failed.error) == (OutboxStatus.FAILED, "403 blocked by user")


def test_due_messages_for_one_channel(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        on_whatsapp = outbox.enqueue(
            uow.session, user.id, Channel.WHATSAPP, "+254711000000", Outbound("wa"), now=NOW
        )
        on_telegram = outbox.enqueue(
            uow.session, user.id, Channel.TELEGRAM, "42", Outbound("tg"), now=NOW
        )
        uow.commit()
    with uow_factory() as uow:
        due = outbox.due_messages(uow.session, NOW, 10, channel=Channel.TELEGRAM)
        assert [row.id for row in due] == [on_telegram]
        every = outbox.due_messages(uow.session, NOW, 10)
        assert [row.id for row in every] == [on_whatsapp, on_telegram]
