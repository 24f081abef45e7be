"""Stopping the Telegram sender while Telegram does not answer: the stuck send is cancelled
after the grace period and its outbox row handed back — due at once, the parts of a long
message already delivered recorded, nothing left claimed — and the next sender delivers it
without repeating a part. Through the real PTB Bot and the fake server."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.container import Container
from conversations.messages import Outbound
from handlers.telegram.app import build_application
from handlers.telegram.delivery import TelegramDelivery
from store.models import OutboxMessage, OutboxStatus
from tests.e2e.telegram.telegram_support import FAST
from tests.e2e.telegram.test_delivery import CHAT, T0, Clock, queue, rows
from tests.fakes.telegram_api import TOKEN, FakeTelegram


def sender(container: Container, bot: object, clock: Clock) -> TelegramDelivery:
    return TelegramDelivery(
        bot,  # type: ignore[arg-type]
        container.uow_factory,
        container.media_store,
        limits=FAST,
        clock=clock,
    )


def run_sender(container: Container, clock: Clock, fake: FakeTelegram) -> None:
    """Start a sender, stop it while its send hangs, and return once it has stopped."""

    async def main() -> None:
        application = build_application(TOKEN, container.settings.telegram_api_base_url)
        async with application:
            delivery = sender(container, application.bot, clock)
            stop = asyncio.Event()
            running = asyncio.create_task(delivery.run(asyncio.Event(), stop, grace=0.2))
            while not fake.hung_calls("sendMessage"):
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(running, timeout=5)

    asyncio.run(main())


def deliver_once(container: Container, clock: Clock) -> None:
    async def main() -> None:
        application = build_application(TOKEN, container.settings.telegram_api_base_url)
        async with application:
            await sender(container, application.bot, clock).deliver_due()

    asyncio.run(main())


def test_a_send_hanging_at_stop_is_cancelled_and_its_row_handed_back(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    queue(container, Outbound("Your order K7Q-2MX is confirmed"))
    clock = Clock()
    fake_telegram.hang("sendMessage")
    run_sender(container, clock, fake_telegram)

    [row] = rows(container)
    assert row.status is OutboxStatus.PENDING
    assert row.next_attempt_at == T0  # due again now, not after the lease
    assert row.attempts == 0  # not a failure: it was handed back
    fake_telegram.unhang()
    deliver_once(container, clock)
    [sent] = fake_telegram.sent_to(CHAT)
    assert sent.params["text"] == "Your order K7Q-2MX is confirmed"
    assert [row.status for row in rows(container)] == [OutboxStatus.SENT]


def test_a_long_message_stopped_halfway_keeps_the_parts_already_delivered(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    paragraphs = [f"Paragraph {n}. " + "Shanga " * 500 for n in range(3)]  # 3 parts
    queue(container, Outbound("\n\n".join(paragraphs)), Outbound("After it"))
    clock = Clock()
    fake_telegram.hang("sendMessage", after=1)
    run_sender(container, clock, fake_telegram)

    first, second = rows(container)
    assert (first.status, second.status) == (OutboxStatus.PENDING, OutboxStatus.PENDING)
    assert first.platform_message_id  # part 1 went out, and that is on record
    assert first.next_attempt_at <= T0
    assert second.next_attempt_at <= T0
    fake_telegram.unhang()
    deliver_once(container, clock)
    texts = [call.params["text"] for call in fake_telegram.sent_to(CHAT)]
    assert [t.split(".")[0] for t in texts] == [
        "Paragraph 0",
        "Paragraph 1",
        "Paragraph 2",
        "After it",
    ]


def test_a_sender_closed_while_idle_claims_nothing_more(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    clock = Clock()

    async def main() -> None:
        application = build_application(TOKEN, container.settings.telegram_api_base_url)
        async with application:
            delivery = sender(container, application.bot, clock)
            await delivery.close(grace=0.2)
            queue(container, Outbound("Too late for this one"))
            assert await delivery.deliver_due() == 0

    asyncio.run(main())
    with container.uow_factory(read_only=True) as uow:
        [row] = uow.session.scalars(select(OutboxMessage)).all()
    assert row.status is OutboxStatus.PENDING
    assert row.next_attempt_at == T0  # not claimed
    assert fake_telegram.sent_to(CHAT) == []
