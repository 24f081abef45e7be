"""Outbox → Telegram through the real PTB Bot and the fake server: flood control honoured,
network errors retried with backoff, blocked people marked unreachable, no part of a message
sent twice after a retry, product photos uploaded once and their file_id reused."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.container import Container
from bot.health import health
from conversations import outbox
from conversations.messages import ImageRef, Outbound
from handlers.telegram.app import build_application
from handlers.telegram.delivery import MAX_ATTEMPTS, TelegramDelivery
from store.models import Channel, Identity, OutboxMessage, OutboxStatus, ProductPhoto
from tests.e2e.telegram.telegram_support import FAST
from tests.factories import make_artisan, make_product, make_user
from tests.fakes.telegram_api import TOKEN, FakeTelegram

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CHAT = 4242
OTHER_CHAT = 4343


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def queue(container: Container, *outbounds: Outbound, chat: int = CHAT) -> list[int]:
    with container.uow_factory() as uow:
        user = make_user(uow.session, "Achieng", channel=Channel.TELEGRAM)
        identity = uow.session.execute(
            select(Identity).where(Identity.user_id == user.id)
        ).scalar_one()
        identity.platform_user_id = str(chat)
        ids = [
            outbox.enqueue(uow.session, user.id, Channel.TELEGRAM, str(chat), o, now=T0)
            for o in outbounds
        ]
        uow.commit()
    return ids


def deliver(
    container: Container, clock: Clock, passes: Callable[[TelegramDelivery], Awaitable[None]]
) -> None:
    async def run() -> None:
        application = build_application(TOKEN, container.settings.telegram_api_base_url)
        async with application:
            delivery = TelegramDelivery(
                application.bot,
                container.uow_factory,
                container.media_store,
                limits=FAST,
                clock=clock,
            )
            await passes(delivery)

    asyncio.run(run())


def rows(container: Container) -> list[OutboxMessage]:
    with container.uow_factory(read_only=True) as uow:
        return list(uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_flood_control_is_honoured_and_the_message_goes_out_after_retry_after(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    queue(container, Outbound("Your order is confirmed"))
    fake_telegram.fail("sendMessage", 429, retry_after=1)
    clock = Clock()

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        [row] = rows(container)
        assert row.status is OutboxStatus.PENDING
        assert row.next_attempt_at == T0 + timedelta(seconds=1)
        assert await delivery.deliver_due() == 0  # not due yet
        clock.now = T0 + timedelta(seconds=1)
        await delivery.deliver_due()

    deliver(container, clock, passes)
    [row] = rows(container)
    assert row.status is OutboxStatus.SENT
    assert len(fake_telegram.calls_of("sendMessage")) == 2
    assert len(fake_telegram.sent_to(CHAT)) == 1


def test_a_server_error_is_retried_with_backoff(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    queue(container, Outbound("Habari"))
    fake_telegram.fail("sendMessage", 502, times=2)
    clock = Clock()

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        assert rows(container)[0].next_attempt_at == T0 + timedelta(seconds=1)
        clock.now = T0 + timedelta(seconds=1)
        await delivery.deliver_due()
        assert rows(container)[0].next_attempt_at == clock.now + timedelta(seconds=2)
        clock.now += timedelta(seconds=2)
        await delivery.deliver_due()

    deliver(container, clock, passes)
    [row] = rows(container)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 3)
    assert len(fake_telegram.sent_to(CHAT)) == 1


def test_a_person_who_blocked_the_bot_is_marked_unreachable_and_not_retried(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    queue(container, Outbound("New order!"))
    fake_telegram.blocked.add(CHAT)
    clock = Clock()

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        clock.now = T0 + timedelta(days=1)
        await delivery.deliver_due()

    deliver(container, clock, passes)
    [row] = rows(container)
    assert row.status is OutboxStatus.FAILED
    assert "Forbidden" in row.error
    assert len(fake_telegram.calls_of("sendMessage")) == 1
    with container.uow_factory(read_only=True) as uow:
        identity = uow.session.execute(
            select(Identity).where(Identity.platform_user_id == str(CHAT))
        ).scalar_one()
        assert identity.unreachable_at == T0


def test_a_long_message_failing_halfway_resumes_without_repeating_a_part(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    paragraphs = [f"Paragraph {n}. " + "Shanga " * 500 for n in range(3)]  # 3 parts
    queue(container, Outbound("\n\n".join(paragraphs)), Outbound("After it"))
    clock = Clock()

    async def passes(delivery: TelegramDelivery) -> None:
        original = delivery._send
        calls = 0

        async def second_part_fails(chat_id: str, send: object) -> object:
            nonlocal calls
            calls += 1
            if calls == 2:
                fake_telegram.fail("sendMessage", 502)
            return await original(chat_id, send)  # type: ignore[arg-type]

        delivery._send = second_part_fails  # type: ignore[method-assign,assignment]
        await delivery.deliver_due()
        first, second = rows(container)
        assert first.status is OutboxStatus.PENDING
        assert second.status is OutboxStatus.PENDING  # waits its turn behind the first
        assert len(fake_telegram.sent_to(CHAT)) == 1
        clock.now = T0 + timedelta(seconds=5)
        await delivery.deliver_due()

    deliver(container, clock, passes)
    texts = [call.params["text"] for call in fake_telegram.sent_to(CHAT)]
    assert [t.split(".")[0] for t in texts[:3]] == ["Paragraph 0", "Paragraph 1", "Paragraph 2"]
    assert texts[3] == "After it"
    assert len(texts) == 4
    assert [row.status for row in rows(container)] == [OutboxStatus.SENT, OutboxStatus.SENT]


def test_a_product_photo_is_uploaded_once_then_sent_by_file_id(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    sha = "ab" * 32
    key = f"{sha}/large.jpg"
    container.media_store.put(key, b"\xff\xd8\xff fake jpeg", "image/jpeg")
    with container.uow_factory() as uow:
        product = make_product(uow.session, make_artisan(uow.session))
        uow.session.add(
            ProductPhoto(
                product_id=product.id,
                position=0,
                sha256=sha,
                phash="0" * 16,
                width=800,
                height=800,
                keys={"large": key},
            )
        )
        uow.commit()
    card = Outbound("Copper earrings — KES 1,500", image=ImageRef(key=key))
    queue(container, card, card)

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()

    deliver(container, Clock(), passes)
    first, second = fake_telegram.calls_of("sendPhoto")
    assert first.files  # uploaded
    assert not second.files
    assert second.params["photo"].startswith("file-")
    with container.uow_factory(read_only=True) as uow:
        stored = uow.session.execute(select(ProductPhoto.telegram_file_id)).scalar_one()
    assert stored == second.params["photo"]


def test_an_unreadable_answer_counts_as_an_attempt_and_holds_up_nobody_else(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    queue(container, Outbound("Your order is confirmed"))
    queue(container, Outbound("Your piece is approved"), chat=OTHER_CHAT)
    fake_telegram.garble("sendMessage")  # Telegram took one, but its answer cannot be read
    clock = Clock()

    async def passes(delivery: TelegramDelivery) -> None:
        assert await delivery.deliver_due() == 2
        retried = [row for row in rows(container) if row.status is OutboxStatus.PENDING]
        assert [(row.attempts, row.next_attempt_at) for row in retried] == [
            (1, T0 + timedelta(seconds=1))  # backoff, not the claim's lease
        ]
        assert retried[0].error == "unexpected: AttributeError"
        for _ in range(MAX_ATTEMPTS - 1):
            clock.now += timedelta(hours=1)
            fake_telegram.garble("sendMessage")
            await delivery.deliver_due()

    deliver(container, clock, passes)
    assert sorted((row.status, row.attempts) for row in rows(container)) == [
        (OutboxStatus.FAILED, MAX_ATTEMPTS),
        (OutboxStatus.SENT, 1),
    ]
    assert health(container.uow_factory, clock.now)["outbox_failed"] == 1
