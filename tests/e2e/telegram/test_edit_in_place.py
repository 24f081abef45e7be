"""Page turns edit the tapped message in place, through the real PTB and the fake Bot API: a
buyer's "More" edits her list instead of sending a new one; a message Telegram will not edit
(too old, a photo for a text) is sent as new instead; "not modified" counts as shown."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from bot.container import Container
from conversations import outbox
from conversations.messages import Choice, ImageRef, Outbound
from handlers.telegram.delivery import TelegramDelivery
from store.models import Category, Channel, Identity, OutboxMessage, OutboxStatus
from tests.e2e.soko_process import wait_until
from tests.e2e.telegram.telegram_support import RunningBot, running_bot
from tests.e2e.telegram.test_delivery import CHAT, T0, Clock, deliver, queue, rows
from tests.factories import make_artisan, make_product, make_user
from tests.fakes.telegram_api import Call, FakeTelegram, tap, text, user

BUYER = 8201
PAGE = (Choice("Collar 6", "p:6"), Choice("More", "more:x"), Choice("Back", "home"))


def then_queue(container: Container, outbound: Outbound) -> None:
    """Queue one more message to CHAT (whose person `queue` made)."""
    with container.uow_factory() as uow:
        identity = uow.session.execute(
            select(Identity).where(Identity.platform_user_id == str(CHAT))
        ).scalar_one()
        outbox.enqueue(uow.session, identity.user_id, Channel.TELEGRAM, str(CHAT), outbound, now=T0)
        uow.commit()


def shown(fake: FakeTelegram, message_id: int) -> dict[str, Any]:
    return fake.messages[(CHAT, message_id)]


def test_a_page_that_replaces_the_tapped_message_edits_it_and_sends_nothing(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    queue(container, Outbound("Page 1", choices=PAGE))
    clock = Clock()

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        [first] = fake_telegram.sent_to(CHAT)
        assert first.message_id is not None
        then_queue(container, Outbound("Page 2", choices=PAGE[2:], replaces=str(first.message_id)))
        await delivery.deliver_due()

    deliver(container, clock, passes)
    [first] = fake_telegram.sent_to(CHAT)  # one message sent, none after
    [edit] = fake_telegram.edits_of(CHAT)
    assert edit.method == "editMessageText"
    assert first.message_id is not None
    page = shown(fake_telegram, first.message_id)
    assert page["text"] == "Page 2"
    assert [row[0]["text"] for row in page["reply_markup"]["inline_keyboard"]] == ["Back"]
    _, second_row = rows(container)
    assert second_row.status is OutboxStatus.SENT
    assert second_row.platform_message_id == str(first.message_id)


def test_an_edit_telegram_says_changes_nothing_counts_as_shown(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    """A double tap, or a retry after an edit whose answer was lost: nothing is sent twice."""
    queue(container, Outbound("Page 1", choices=PAGE))

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        [first] = fake_telegram.sent_to(CHAT)
        then_queue(container, Outbound("Page 1", choices=PAGE, replaces=str(first.message_id)))
        await delivery.deliver_due()

    deliver(container, Clock(), passes)
    assert len(fake_telegram.sent_to(CHAT)) == 1
    assert len(fake_telegram.calls_of("editMessageText")) == 1
    assert [row.status for row in rows(container)] == [OutboxStatus.SENT] * 2


@pytest.mark.parametrize("why", ["too old", "a photo for a text", "gone"])
def test_a_message_telegram_will_not_edit_is_sent_as_new_instead(
    container: Container, fake_telegram: FakeTelegram, why: str
) -> None:
    queue(container, Outbound("Page 1", choices=PAGE))
    page_two = Outbound("Page 2", choices=PAGE[2:])
    if why == "a photo for a text":
        page_two = Outbound("Red bangle", image=ImageRef(url="https://x.test/b.jpg"))

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        [first] = fake_telegram.sent_to(CHAT)
        assert first.message_id is not None
        if why == "too old":
            fake_telegram.too_old.add(first.message_id)
        tapped = first.message_id + 1000 if why == "gone" else first.message_id
        then_queue(container, dataclasses.replace(page_two, replaces=str(tapped)))
        await delivery.deliver_due()

    deliver(container, Clock(), passes)
    _, second = fake_telegram.sent_to(CHAT)
    assert second.params.get("text", second.params.get("caption")) == page_two.text
    assert not fake_telegram.edits_of(CHAT)
    assert len([c for c in fake_telegram.calls if c.method.startswith("editMessage")]) == 1
    assert [row.status for row in rows(container)] == [OutboxStatus.SENT] * 2


def test_a_listing_that_replaces_a_listing_edits_its_photo_and_caption(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    skip = (Choice("Approve", "rv:ok:2"), Choice("Skip", "rv:skip:2"))
    queue(container, Outbound("Red bangle", image=ImageRef(url="https://x.test/a.jpg")))

    async def passes(delivery: TelegramDelivery) -> None:
        await delivery.deliver_due()
        [first] = fake_telegram.sent_to(CHAT)
        card = Outbound(
            "Blue necklace",
            image=ImageRef(url="https://x.test/b.jpg"),
            choices=skip,
            replaces=str(first.message_id),
        )
        then_queue(container, card)
        await delivery.deliver_due()

    deliver(container, Clock(), passes)
    [first] = fake_telegram.sent_to(CHAT)
    [edit] = fake_telegram.edits_of(CHAT)
    assert edit.method == "editMessageMedia"
    assert first.message_id is not None
    card = shown(fake_telegram, first.message_id)
    assert card["caption"] == "Blue necklace"
    assert card["photo"][-1]["file_id"] == "https://x.test/b.jpg"
    assert len(card["reply_markup"]["inline_keyboard"]) == 2


# --- the whole path: a buyer turns a page ----------------------------------------------------


def seed_necklaces(container: Container) -> None:
    with container.uow_factory() as uow:
        maker = make_artisan(uow.session, "Amina Otieno")
        for n in range(7):
            make_product(uow.session, maker, title=f"Collar {n}", category=Category.NECKLACE)
        buyer = make_user(uow.session, "Lena", channel=Channel.TELEGRAM)
        identity = uow.session.execute(
            select(Identity).where(Identity.user_id == buyer.id)
        ).scalar_one()
        identity.platform_user_id = str(BUYER)
        uow.commit()


def latest_with(fake: FakeTelegram, label: str) -> tuple[int, str]:
    """(message id, callback data) of the newest message in the buyer's chat showing `label`."""
    for (chat, message_id), message in sorted(fake.messages.items(), reverse=True):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if chat == BUYER and button["text"] == label:
                    return message_id, button["callback_data"]
    raise AssertionError(f"no {label!r} button in the buyer's chat")


def press(bot: RunningBot, fake: FakeTelegram, label: str) -> None:
    message_id, data = latest_with(fake, label)
    step(bot, fake, tap(user(BUYER, "Lena"), data, message_id))


def step(bot: RunningBot, fake: FakeTelegram, update: dict[str, Any]) -> None:
    before = bot.counts()["inbox"]
    fake.feed(update)
    wait_until(lambda: bot.counts()["inbox"] > before and bot.settled(), 30, f"{update}")


def sends(fake: FakeTelegram) -> list[Call]:
    return fake.sent_to(BUYER)


def test_a_buyer_turning_a_page_sees_it_in_the_same_message(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    seed_necklaces(container)
    with running_bot(container) as bot:
        step(bot, fake_telegram, text(user(BUYER, "Lena"), "menu"))
        press(bot, fake_telegram, "Shop jewelry")
        press(bot, fake_telegram, "Necklaces")
        list_id, _ = latest_with(fake_telegram, "More")
        sent_before = len(sends(fake_telegram))
        press(bot, fake_telegram, "More")
        assert len(sends(fake_telegram)) == sent_before  # nothing new in the chat
        [edit] = fake_telegram.edits_of(BUYER)
        assert (edit.method, int(edit.params["message_id"])) == ("editMessageText", list_id)
        page = fake_telegram.messages[(BUYER, list_id)]
        labels = [row[0]["text"] for row in page["reply_markup"]["inline_keyboard"]]
        assert [label.split(" — ")[0] for label in labels] == ["Collar 1", "Collar 0", "Back"]

        # Turned in a message Telegram no longer edits, the page comes as a new message.
        press(bot, fake_telegram, "Back")
        press(bot, fake_telegram, "Necklaces")
        old_id, _ = latest_with(fake_telegram, "More")
        fake_telegram.too_old.add(old_id)
        press(bot, fake_telegram, "More")
        newest = sends(fake_telegram)[-1]
        assert newest.message_id != old_id
        newest_labels = [r[0]["text"] for r in newest.params["reply_markup"]["inline_keyboard"]]
        assert newest_labels == labels
    assert len(fake_telegram.calls_of("answerCallbackQuery")) == 6  # every tap answered
    with container.uow_factory(read_only=True) as uow:
        statuses = uow.session.execute(select(OutboxMessage.status)).scalars().all()
    assert set(statuses) == {OutboxStatus.SENT}
