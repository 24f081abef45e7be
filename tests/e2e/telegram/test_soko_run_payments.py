"""`soko run` as an operator starts it, against the fake Telegram: without Stripe a buyer is
told at checkout that paying is not open (no demo card, no order, nothing paid) and the log
says once which setting to set; with PAYMENTS_DEMO=true the pay link the chat shows opens a
page on which she pays."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.container import Container
from store.models import Cart, CartItem, Identity, Order, OrderStatus
from store.money import Money
from store.services import ledger
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.operator_env import OperatorEnv, operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.conversations.buying_support import seed_maker, seed_product

pytestmark = pytest.mark.slow

BUYER, ARTISAN = 8201, 8202
TITLE = "Maasai collar"


def shop_window(container: Container) -> int:
    """One piece for sale, by an artisan who reads her notices on Telegram."""
    maker = seed_maker(container.uow_factory)
    with container.uow_factory() as uow:
        identity = uow.session.scalars(
            select(Identity).where(Identity.user_id == maker.user_id)
        ).one()
        identity.channel = identity.channel.TELEGRAM
        identity.platform_user_id = str(ARTISAN)
        uow.commit()
    return seed_product(container.uow_factory, maker, TITLE)


def the_shop(container: Container, api_url: str, folder: Path, **settings: str) -> OperatorEnv:
    """`container`'s database and media on the fake Bot API (Telegram only), and nothing else
    but `settings`."""
    return operator_env(
        folder,
        port=free_port(),
        telegram_url=api_url,
        twilio=None,
        DATABASE_URL=container.settings.database_url,
        MEDIA_DIR=str(container.settings.media_dir),
        **settings,
    )


def gives_her_address(buyer: TelegramPerson) -> None:
    """Name, address and country, as Lena types them at checkout."""
    for answer in ("Lena Fischer", "Oranienstraße 25, 10999 Berlin", "Germany"):
        buyer.say(answer)


def lena_opens_the_piece(shop: OperatorEnv, fake: FakeTelegram, piece: int) -> TelegramPerson:
    """Lena says hi, picks English and opens the piece's link (/start p-<id>)."""
    lena = TelegramPerson("Lena", BUYER, fake, ShopDatabase(shop.database_url))
    lena.say("hi")
    lena.tap("English")
    lena.say(f"/start p-{piece}")
    return lena


def texts(fake: FakeTelegram, telegram_id: int) -> list[str]:
    return [str(call.params.get("text", "")) for call in fake.sent_to(telegram_id)]


def count(container: Container, model: type[Order] | type[CartItem]) -> int:
    with container.uow_factory(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_without_stripe_checkout_says_paying_is_not_open(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    piece = shop_window(container)
    shop = the_shop(container, telegram_server[1], tmp_path)
    with SokoProcess(shop, "run") as run:
        buyer = lena_opens_the_piece(shop, fake_telegram, piece)
        assert buyer.tap("Add to cart")[0].startswith(f"Added to your cart: 1 × {TITLE}")
        told = buyer.tap("Checkout")
    assert told == [
        "Sorry, paying is not open yet, so orders can't be placed for now. Everything stays in"
        " your cart; please try again later.\n[My cart]\n[Keep shopping]"
    ]
    labels = [button["text"] for button in buyer.buttons()]
    assert "Pay now (demo card)" not in labels
    assert buyer.links() == []
    assert count(container, Order) == 0  # nothing placed, so nothing marked paid
    with container.uow_factory(read_only=True) as uow:
        assert uow.session.scalars(select(CartItem.product_id).join(Cart)).all() == [piece]
    warnings = [line for line in run.logged().splitlines() if " WARNING " in line]
    assert len(warnings) == 1, run.logged()
    assert "Paying is not open: buyers on Telegram" in warnings[0]
    assert "STRIPE_SECRET_KEY" in warnings[0]


def test_with_the_demo_card_the_pay_link_opens_a_page_that_pays(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    piece = shop_window(container)
    shop = the_shop(container, telegram_server[1], tmp_path, PAYMENTS_DEMO="true")
    with SokoProcess(shop, "run") as run:
        buyer = lena_opens_the_piece(shop, fake_telegram, piece)
        buyer.tap("Buy now")
        gives_her_address(buyer)
        placed = buyer.tap("Place order")
        code = placed[0].removeprefix("Order ").split(" ", 1)[0]
        assert "[Pay now (demo card)]" in placed[1]
        [link] = buyer.links()
        assert link == f"{shop.url}/pay/demo/{code}"

        page = httpx.get(link)
        assert page.status_code == 200
        assert "with the demo card" in page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None
        paid = httpx.post(f"{shop.url}{action[1]}", follow_redirects=True)
        assert paid.status_code == 200
        assert f"Order {code} is paid. Thank you!" in paid.text

        for telegram_id, notice in ((BUYER, f"Payment received for {code}"), (ARTISAN, "Oda mpya")):
            wait_until(
                lambda: any(notice in m for m in texts(fake_telegram, telegram_id)),  # noqa: B023
                30,
                f"{notice!r} told in the chat",
            )
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order)).one()
        assert (order.status, order.payment_provider) == (OrderStatus.PAID, "demo")
    assert "PAYMENTS_DEMO is on" in run.logged()


def test_a_paid_order_she_cancels_in_the_chat_is_reversed_in_the_ledger(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    """The cancellation's refund is the payments side's answer to the store's event: the
    `soko run` process subscribes it, so her money is written back in the same commit."""
    piece = shop_window(container)
    shop = the_shop(container, telegram_server[1], tmp_path, PAYMENTS_DEMO="true")
    with SokoProcess(shop, "run") as run:
        buyer = lena_opens_the_piece(shop, fake_telegram, piece)
        buyer.tap("Buy now")
        gives_her_address(buyer)
        code = buyer.tap("Place order")[0].removeprefix("Order ").split(" ", 1)[0]
        assert buyer.tap("Pay now (demo card)")[0] == f"Payment received for {code}. Thank you!"
        buyer.tap("My orders")
        [mine] = [b["text"] for b in buyer.buttons() if str(b["text"]).startswith(code)]
        buyer.tap(mine)
        assert buyer.tap("Cancel order") == [
            f"Cancel order {code}?\n[Yes, cancel it]\n[No, keep it]"
        ]
        cancelled = buyer.tap("Yes, cancel it")
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order)).one()
        total = Money(order.total_minor, order.currency)
        assert order.status is OrderStatus.CANCELLED
        refunded = [ledger.refunded_on_line(uow.session, line) for line in order.lines]
        assert refunded == [Money(line.line_total_minor, order.currency) for line in order.lines]
    assert cancelled[:2] == [
        f"Order {code} is cancelled.",
        f"Your payment of {total.format('en')} will be refunded.",
    ]
    assert "nobody subscribed" not in run.logged()
