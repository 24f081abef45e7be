"""`soko run` with Stripe, against the fake Telegram and a fake Stripe that hangs then
answers: the buyer's order is placed at once and she is told her link is being prepared;
other people's chats go on meanwhile; when Stripe answers she is sent the link, and there
is one order and one Checkout Session."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Container
from store.models import Order, OrderStatus
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.e2e.telegram.test_soko_run_payments import (
    BUYER,
    gives_her_address,
    lena_opens_the_piece,
    shop_window,
    the_shop,
)
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe, serve
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.slow

PREPARING = "Preparing your payment link… I will send it here in a moment."


def test_with_stripe_hanging_the_buyer_gets_her_link_once_it_answers(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    piece = shop_window(container)
    stripe = FakeStripe()
    with serve(stripe) as stripe_url:
        shop = the_shop(
            container,
            telegram_server[1],
            tmp_path,
            STRIPE_SECRET_KEY=API_KEY,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE_URL=stripe_url,
        )
        stripe.hang("/v1/checkout/sessions")
        try:
            with SokoProcess(shop, "run"):
                buyer = lena_opens_the_piece(shop, fake_telegram, piece)
                buyer.tap("Buy now")
                gives_her_address(buyer)
                placed = buyer.tap("Place order")
                code = placed[0].removeprefix("Order ").split(" ", 1)[0]
                assert placed[1:] == [PREPARING]
                wait_until(lambda: stripe.hanging == 1, 30, "the session request at Stripe")

                amani = TelegramPerson(
                    "Amani", BUYER + 10, fake_telegram, ShopDatabase(shop.database_url)
                )
                assert amani.say("hi")  # answered while Stripe holds the request
                assert stripe.hanging == 1

                stripe.release()
                told = buyer.told("Your payment link")
                assert told[-1].startswith(f"Your payment link for order {code} is ready.")
                [session] = stripe.sessions.values()
                assert buyer.links() == [session["url"]]
        finally:
            stripe.release()
    assert len(stripe.sessions) == 1
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order)).one()
        assert (order.code, order.status) == (code, OrderStatus.PENDING_PAYMENT)
