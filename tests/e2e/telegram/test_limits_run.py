"""Limits per person, against `soko run` on the fake Bot API, as buyers meet them: one buyer
cannot hold every piece (asking for 999 of each), her second checkout replaces her unpaid
order and frees its pieces, and twenty messages sent at once are all handled and answered
once, in English and Swahili."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Container
from store.models import InboxMessage, InboxStatus, Order, OrderStatus, Product
from tests.e2e.chat_people import ANSWER_SECONDS, TelegramPerson
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.e2e.telegram.test_soko_run_payments import gives_her_address, the_shop
from tests.fakes.telegram_api import FakeTelegram, text
from tests.integration.conversations.buying_support import seed_maker, seed_product

pytestmark = pytest.mark.slow

LENA, BARAKA, AMANI = 8301, 8302, 8303


def reserved(container: Container) -> dict[str, int]:
    with container.uow_factory(read_only=True) as uow:
        rows = uow.session.execute(select(Product.title, Product.stock_reserved))
        return {str(title): int(count) for title, count in rows}


def statuses(container: Container) -> list[OrderStatus]:
    with container.uow_factory(read_only=True) as uow:
        return list(uow.session.scalars(select(Order.status).order_by(Order.id)))


def test_one_buyer_cannot_hold_every_piece_and_a_new_order_replaces_hers(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    maker = seed_maker(container.uow_factory)
    pieces = {
        title: seed_product(container.uow_factory, maker, title, stock=20)
        for title in ("Maasai collar", "Brass bangle")
    }
    shop = the_shop(container, telegram_server[1], tmp_path, PAYMENTS_DEMO="true")
    database = ShopDatabase(shop.database_url)
    lena = TelegramPerson("Lena", LENA, fake_telegram, database)
    baraka = TelegramPerson("Baraka", BARAKA, fake_telegram, database, language="sw")
    with SokoProcess(shop, "run"):
        lena.say("hi")
        lena.tap("English")
        for title, piece in pieces.items():
            lena.say(f"/start p-{piece}")
            lena.tap("Add to cart")
            assert lena.say("999") == [
                "One buyer can hold at most 5 of a piece, so I put 5 in your cart.",
                f"Added to your cart: 5 × {title}.\n[My cart]\n[Checkout]\n[Keep shopping]",
            ]
        lena.tap("Checkout")
        gives_her_address(lena)
        first = lena.tap("Place order")[0].removeprefix("Order ").split(" ", 1)[0]
        assert reserved(container) == {"Maasai collar": 5, "Brass bangle": 5}

        # The pieces stay for sale to everyone else, who meets the same limit.
        baraka.say("habari")
        baraka.tap("Kiswahili")
        card = baraka.say(f"/start p-{pieces['Maasai collar']}")
        assert "Vilivyobaki: 15" in card[-1]
        baraka.tap("Weka kikapuni")
        assert baraka.say("999")[0] == (
            "Mnunuzi mmoja anaweza kushika vipande 5 tu vya aina moja, kwa hivyo nimeweka 5 "
            "kikapuni."
        )

        # Lena checks out again: her unpaid order is replaced, its pieces freed.
        lena.say(f"/start p-{pieces['Brass bangle']}")
        lena.tap("Buy now")
        assert lena.say("1") == [
            "Send it to the same address as last time?\n"
            "Lena Fischer, Oranienstraße 25, 10999 Berlin, Germany\n"
            "[Yes, same address]\n[Change address]"
        ]
        summary = lena.tap("Yes, same address")
        replaces = f"This order replaces your unpaid order {first}, which will be cancelled."
        assert replaces in summary[-1]
        placed = lena.tap("Place order")
        assert placed[0] == f"Your unpaid order {first} is cancelled: this new order replaces it."
        assert placed[1].startswith("Order SK-")
    assert statuses(container) == [OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT]
    assert reserved(container) == {"Maasai collar": 0, "Brass bangle": 1}


def test_twenty_messages_in_one_batch_are_all_handled_and_answered_once(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    shop = the_shop(container, telegram_server[1], tmp_path)
    database = ShopDatabase(shop.database_url)
    amani = TelegramPerson("Amani", AMANI, fake_telegram, database, language="sw")
    with SokoProcess(shop, "run"):
        amani.say("habari")
        amani.tap("Kiswahili")
        menu = amani.say("menyu")
    # While the shop is down she sends twenty: they arrive as one batch when it starts.
    for _ in range(20):
        fake_telegram.feed(text(amani.user, "menyu"))
    before = database.counts()["inbox"]
    with SokoProcess(shop, "run"):
        wait_until(lambda: database.settled_after(before, 20), ANSWER_SECONDS, "the twenty")
        answers = amani.unread()

    assert answers == menu * 4  # her first three one by one, the rest of the burst once
    with container.uow_factory(read_only=True) as uow:
        handled = uow.session.scalars(
            select(InboxMessage.status).where(InboxMessage.id > before)
        ).all()
    assert handled == [InboxStatus.HANDLED] * 20
