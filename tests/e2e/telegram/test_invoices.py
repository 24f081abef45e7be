"""Telegram native invoices through the real PTB bot polling the fake Bot API: a Telegram buyer
checks out and gets an invoice (sendInvoice with the provider token), the pre-checkout query
is answered after re-checking the order in the database, and the successful payment completes
the order once, however often it arrives."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update

from bot.container import Container
from bot.routes import channel_routes
from bot.settings import Settings, TelegramMode
from bot.web import create_app
from handlers.telegram.webhook import SECRET_HEADER as WEBHOOK_HEADER
from payments.telegram_invoice import TelegramInvoices
from store.models import (
    Channel,
    Identity,
    LedgerTransaction,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentEvent,
    Product,
)
from store.models.types import utcnow
from store.services import carts, orders
from store.services.shipping import ShippingDetails
from tests.e2e.soko_process import wait_until
from tests.e2e.telegram.telegram_support import (
    WEBHOOK_SECRET,
    RunningBot,
    running_bot,
    settings_for,
)
from tests.factories import make_artisan, make_product, make_user
from tests.fakes.serving import serve_app
from tests.fakes.telegram_api import (
    Call,
    FakeTelegram,
    pre_checkout_query,
    successful_payment,
    text,
    user,
)

pytestmark = pytest.mark.slow

PROVIDER_TOKEN = "284685063:TEST:provider-token-xyz"
BUYER, ARTISAN = 8201, 8202


@pytest.fixture
def container(
    sqlite_engine: Engine, tmp_path: Path, telegram_server: tuple[FakeTelegram, str]
) -> Iterator[Container]:
    _, url = telegram_server
    database_url = sqlite_engine.url.render_as_string(hide_password=False)
    base: Settings = settings_for(database_url, tmp_path / "media", url)
    settings = base.model_copy(
        update={"telegram_payment_provider_token": SecretStr(PROVIDER_TOKEN)}
    )
    container = Container(settings)
    yield container
    container.close()


@pytest.fixture
def bot(container: Container, fake_telegram: FakeTelegram) -> Iterator[RunningBot]:
    with running_bot(container) as running:
        yield running


def seed(container: Container) -> tuple[int, int, list[int]]:
    """An artisan with two pieces in a Telegram buyer's cart: (artisan user, buyer, products)."""
    with container.uow_factory() as uow:
        session = uow.session
        artisan = make_artisan(session, "Naliaka", locale="en")
        pieces = [
            make_product(session, artisan, title="Copper leaf earrings", price_minor=120_000),
            make_product(session, artisan, title="Maasai bead necklace", price_minor=250_000),
        ]
        buyer = make_user(session, "Lena", locale="en", channel=Channel.TELEGRAM)
        for person, telegram_id in ((buyer.id, BUYER), (artisan.user_id, ARTISAN)):
            identity = session.scalars(select(Identity).where(Identity.user_id == person)).one()
            identity.channel = Channel.TELEGRAM
            identity.platform_user_id = str(telegram_id)
        for piece in pieces:
            carts.add_to_cart(session, buyer.id, piece.id)
        uow.commit()
        return artisan.user_id, buyer.id, [piece.id for piece in pieces]


class Buyer:
    def __init__(self, fake: FakeTelegram, bot: RunningBot) -> None:
        self.fake = fake
        self.bot = bot
        self.me = user(BUYER, "Lena", "en")

    def say(self, words: str) -> None:
        before = self.bot.counts()["inbox"]
        self.fake.feed(text(self.me, words))
        wait_until(lambda: self.bot.counts()["inbox"] > before and self.bot.settled(), 30, words)

    def feed_and_wait(self, update: dict[str, Any]) -> None:
        """Feed an update nothing records, then a message behind it: once that message is
        handled, the update before it has been dealt with (updates are taken in order)."""
        self.fake.feed(update)
        self.say("menu")

    def check_out(self) -> Call:
        for words in (
            "menu",
            "My cart",
            "Checkout",
            "Lena Fischer",
            "Oranienstraße 25, 10999 Berlin",
            "Germany",
            "Place order",
        ):
            self.say(words)
        invoices = self.fake.calls_of("sendInvoice")
        assert len(invoices) == 1, [c.method for c in self.fake.calls]
        return invoices[0]

    def pre_checkout_answers(self) -> list[dict[str, Any]]:
        return [call.params for call in self.fake.calls_of("answerPreCheckoutQuery")]


@pytest.fixture
def buyer(fake_telegram: FakeTelegram, bot: RunningBot) -> Buyer:
    return Buyer(fake_telegram, bot)


def the_order(container: Container) -> Order:
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order)).one()
        uow.session.expunge(order)
        return order


def count(container: Container, model: Any, *where: Any) -> int:
    with container.uow_factory(read_only=True) as uow:
        statement = select(func.count()).select_from(model).where(*where)
        return uow.session.scalar(statement) or 0


def test_a_telegram_buyer_pays_by_invoice(container: Container, buyer: Buyer) -> None:
    artisan_user_id, _, product_ids = seed(container)

    invoice = buyer.check_out().params
    order = the_order(container)
    assert str(invoice["chat_id"]) == str(BUYER)
    assert invoice["provider_token"] == PROVIDER_TOKEN
    assert invoice["currency"] == order.currency
    assert invoice["payload"].startswith(f"{order.code}.")
    assert len(invoice["payload"].encode()) <= 128
    assert len(invoice["title"]) <= 32
    assert order.code in invoice["title"]
    assert len(invoice["description"]) <= 255
    with container.uow_factory(read_only=True) as uow:
        lines = uow.session.get(Order, order.id).lines  # type: ignore[union-attr]
        expected = [(f"1 × {line.title}", line.line_total_minor) for line in lines]
    shipping = [("Shipping", order.shipping_minor)] if order.shipping_minor else []
    assert [(p["label"], p["amount"]) for p in invoice["prices"]] == expected + shipping
    assert sum(p["amount"] for p in invoice["prices"]) == order.total_minor
    assert not any(  # no pay link beside the invoice
        "url" in button
        for call in buyer.fake.sent_to(BUYER)
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    )

    # Telegram asks before charging: the order is pending, reserved, and the amount right.
    payload = invoice["payload"]
    buyer.feed_and_wait(pre_checkout_query(buyer.me, payload, order.currency, order.total_minor))
    assert buyer.pre_checkout_answers()[-1]["ok"] is True
    assert "error_message" not in buyer.pre_checkout_answers()[-1]

    # The card is charged: the order is paid, stock committed, the sale in the ledger, the
    # artisan told. The same message delivered again changes nothing.
    paid = successful_payment(buyer.me, payload, order.currency, order.total_minor, "tg_ch_1")
    buyer.feed_and_wait(paid)
    done = the_order(container)
    assert done.status is OrderStatus.PAID
    assert done.payment_provider == "telegram"
    assert done.payment_ref == "prov_tg_ch_1"
    with container.uow_factory(read_only=True) as uow:
        for product_id in product_ids:
            product = uow.session.get(Product, product_id)
            assert product is not None
            assert (product.stock_on_hand, product.stock_reserved) == (0, 0)
    sales = count(container, LedgerTransaction, LedgerTransaction.order_id == order.id)
    told = count(container, OutboxMessage, OutboxMessage.user_id == artisan_user_id)
    assert sales == 1
    assert told >= 1
    news = [str(call.params.get("text")) for call in buyer.fake.sent_to(ARTISAN)]
    assert any(m.startswith(f"New order {order.code}") for m in news), news

    buyer.feed_and_wait(paid)
    assert count(container, PaymentEvent) == 1
    assert count(container, LedgerTransaction, LedgerTransaction.order_id == order.id) == sales
    assert count(container, OutboxMessage, OutboxMessage.user_id == artisan_user_id) == told
    assert the_order(container).status is OrderStatus.PAID


def test_pre_checkout_refuses_an_expired_order_or_a_wrong_amount(
    container: Container, buyer: Buyer
) -> None:
    seed(container)
    payload = buyer.check_out().params["payload"]
    order = the_order(container)

    buyer.feed_and_wait(
        pre_checkout_query(buyer.me, payload, order.currency, order.total_minor + 1)
    )
    wrong = buyer.pre_checkout_answers()[-1]
    assert wrong["ok"] is False
    assert wrong["error_message"].startswith("Sorry, this invoice no longer matches order")

    forged = payload.replace(order.code, "SK-OTHER", 1)
    buyer.feed_and_wait(pre_checkout_query(buyer.me, forged, order.currency, order.total_minor))
    assert buyer.pre_checkout_answers()[-1]["ok"] is False

    with container.uow_factory() as uow:
        past = utcnow() - timedelta(minutes=1)
        uow.session.execute(update(Order).where(Order.id == order.id).values(reserved_until=past))
        uow.commit()
    buyer.feed_and_wait(pre_checkout_query(buyer.me, payload, order.currency, order.total_minor))
    expired = buyer.pre_checkout_answers()[-1]
    assert expired["ok"] is False
    assert expired["error_message"] == (
        f"Sorry, the time to pay for order {order.code} ran out. Please order again."
    )
    assert len(buyer.pre_checkout_answers()) == 3


# --- webhook mode -------------------------------------------------------------------------


@pytest.fixture
def webhook_container(
    sqlite_engine: Engine, tmp_path: Path, telegram_server: tuple[FakeTelegram, str]
) -> Iterator[Container]:
    _, url = telegram_server
    database_url = sqlite_engine.url.render_as_string(hide_password=False)
    base = settings_for(database_url, tmp_path / "media", url, TelegramMode.WEBHOOK)
    settings = base.model_copy(
        update={"telegram_payment_provider_token": SecretStr(PROVIDER_TOKEN)}
    )
    container = Container(settings)
    yield container
    container.close()


def place_order(container: Container) -> tuple[Order, str]:
    """A Telegram buyer's order, placed as checkout places it; with its invoice payload."""
    seed(container)
    with container.uow_factory() as uow:
        buyer = uow.session.scalars(
            select(Identity.user_id).where(Identity.platform_user_id == str(BUYER))
        ).one()
        order = orders.place_order(
            uow.session,
            buyer,
            Channel.TELEGRAM,
            container.pricing,
            ShippingDetails("Lena Fischer", "Oranienstraße 25, 10999 Berlin", "DE"),
            utcnow(),
            timedelta(minutes=30),
        )
        uow.commit()
        uow.session.expunge(order)
    bot_token = container.settings.telegram_bot_token.get_secret_value()  # keys the payload
    return order, TelegramInvoices(bot_token).payload(order.code)


def post(url: str, body: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
    headers = {WEBHOOK_HEADER: secret} if secret is not None else {}
    return httpx.post(f"{url}/webhooks/telegram", json=body, headers=headers, timeout=30)


@pytest.mark.usefixtures("fake_telegram")
def test_webhook_answers_pre_checkout_in_its_response_and_pays_once(
    webhook_container: Container,
) -> None:
    order, payload = place_order(webhook_container)
    me = user(BUYER, "Lena", "en")
    app = create_app(webhook_container, channel_routes(webhook_container))
    with serve_app(app) as web:
        query = {"update_id": 7001, **pre_checkout_query(me, payload, order.currency, 1)}
        assert post(web, query, secret=None).status_code == 401
        refused = post(web, query).json()
        assert refused["method"] == "answerPreCheckoutQuery"
        assert refused["ok"] is False
        assert refused["error_message"].startswith("Sorry, this invoice no longer matches")

        query = {
            "update_id": 7002,
            **pre_checkout_query(me, payload, order.currency, order.total_minor),
        }
        answer = post(web, query).json()
        assert answer == {
            "method": "answerPreCheckoutQuery",
            "pre_checkout_query_id": query["pre_checkout_query"]["id"],
            "ok": True,
        }

        paid = {
            "update_id": 7003,
            **successful_payment(me, payload, order.currency, order.total_minor, "tg_ch_9"),
        }
        assert post(web, paid, secret="guess").status_code == 403
        assert count(webhook_container, PaymentEvent) == 0
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda _: post(web, paid).status_code, range(6)))
        assert statuses == [200] * 6
    assert the_order(webhook_container).status is OrderStatus.PAID
    assert count(webhook_container, PaymentEvent) == 1
    sales = LedgerTransaction.order_id == order.id
    assert count(webhook_container, LedgerTransaction, sales) == 1
