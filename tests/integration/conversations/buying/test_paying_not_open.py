"""Checkout with the payment providers the settings choose (wired as `soko run` wires them):
with none for the buyer's channel she is told kindly that paying is not open yet and no order
is placed; the demo card is there only with PAYMENTS_DEMO; a real provider gives a link or an
invoice. The operator may close payments while a buyer is half-way: her stale taps place and
pay nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.container import Container
from bot.settings import Settings
from bot.wiring import payment_provider
from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.marketplace import Marketplace
from conversations.photos import PhotoIntake
from store.models import Cart, CartItem, Channel, Order, OrderStatus
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.conftest import BASE_URL
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    TO_GERMANY_USD,
    hello,
    open_menu_entry,
    product,
    seed_maker,
    seed_product,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat, Clock
from tests.market_support import RecordingPayments

NOT_OPEN = (
    "Sorry, paying is not open yet, so orders can't be placed for now. Everything stays in "
    "your cart; please try again later.\n1. My cart\n2. Keep shopping"
)
NOT_OPEN_SW = (
    "Samahani, bado hatujaanza kupokea malipo, kwa hivyo huwezi kuweka oda kwa sasa. Kila kitu "
    "kinabaki kwenye kikapu chako; tafadhali jaribu tena baadaye.\n1. Kikapu changu\n"
    "2. Endelea kununua"
)


def wired(**settings: object) -> Callable[[Marketplace], Marketplace]:
    """The shop paid through the providers `payment_provider` picks for these settings."""
    container = Container(
        Settings(_env_file=None, public_base_url=BASE_URL, **settings)  # type: ignore[call-arg]
    )
    return lambda market: replace(market, payments=payment_provider(container))


def engine_for(
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    registry: FlowRegistry,
    market: Marketplace,
    **settings: object,
) -> ChatEngine:
    return ChatEngine(uow_factory, registry, wired(**settings)(market), Clock())


@pytest.fixture
def closed(
    uow_factory: UnitOfWorkFactory, intake: PhotoIntake, registry: FlowRegistry, market: Marketplace
) -> ChatEngine:
    """No Stripe, no Telegram invoices, no PAYMENTS_DEMO: what a fresh install has."""
    return engine_for(uow_factory, intake, registry, market)


@pytest.fixture
def demo(
    uow_factory: UnitOfWorkFactory, intake: PhotoIntake, registry: FlowRegistry, market: Marketplace
) -> ChatEngine:
    return engine_for(uow_factory, intake, registry, market, payments_demo=True)


def orders_placed(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(Order)) or 0


def cart_of(uow_factory: UnitOfWorkFactory, chat: Chat) -> list[tuple[int, int]]:
    buyer = user_id_of(uow_factory, chat)
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(CartItem.product_id, CartItem.quantity)
            .join(Cart, Cart.id == CartItem.cart_id)
            .where(Cart.user_id == buyer)
        )
        return [(row.product_id, row.quantity) for row in rows]


def to_summary(chat: Chat, product_id: int) -> list[str]:
    chat.send(f"/start p-{product_id}")
    chat.send("Add to cart")
    chat.send("Checkout")
    chat.send("Anna Schmidt")
    chat.send("Hauptstr. 1, Berlin")
    return chat.send("DE")


def test_without_a_provider_checkout_says_paying_is_not_open_and_places_nothing(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, closed: ChatEngine
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar", stock=3)
    chat = new_chat("buyer")
    chat.engine = closed
    hello(chat)
    chat.send(f"/start p-{collar}")
    chat.send("Add to cart")
    assert chat.send("2") == [
        "Added to your cart: 2 × Maasai collar.\n1. My cart\n2. Checkout\n3. Keep shopping"
    ]

    assert chat.send("Checkout") == [NOT_OPEN]  # before she types her name and address

    assert cart_of(uow_factory, chat) == [(collar, 2)]
    assert orders_placed(uow_factory) == 0
    assert product(uow_factory, collar).stock_reserved == 0
    assert chat.send("My cart")[0].startswith("Your cart:\n2 × Maasai collar")


def test_buy_now_without_a_provider_keeps_the_piece_in_her_cart_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, closed: ChatEngine
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    chat.engine = closed
    hello(chat, "sw")
    chat.send(f"/start p-{collar}")

    assert chat.send("Nunua sasa") == [NOT_OPEN_SW]

    assert cart_of(uow_factory, chat) == [(collar, 1)]
    assert orders_placed(uow_factory) == 0
    assert product(uow_factory, collar).stock_reserved == 0


def test_a_stale_place_order_tap_after_payments_closed_places_nothing(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    demo: ChatEngine,
    closed: ChatEngine,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("buyer")
    chat.engine = demo
    hello(chat)
    assert to_summary(chat, collar)[0].endswith("1. Place order\n2. Change details")

    chat.engine = closed  # the operator restarted the shop without the demo card
    assert chat.tap("place") == [NOT_OPEN]

    assert orders_placed(uow_factory) == 0
    assert cart_of(uow_factory, chat) == [(collar, 1)]
    assert product(uow_factory, collar).stock_reserved == 0


def test_an_unpaid_order_from_before_offers_no_demo_card_once_payments_closed(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    demo: ChatEngine,
    closed: ChatEngine,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("buyer")
    chat.engine = demo
    hello(chat)
    to_summary(chat, collar)
    placed = chat.tap("place")
    code = only_order(uow_factory).code
    assert "1. Pay now (demo card)" in placed[1]

    chat.engine = closed
    not_payable = (
        f"Sorry, paying is not open yet, so order {code} can't be paid for now. "
        "Please try again later."
    )
    assert chat.send("Pay now (demo card)") == [f"{not_payable}\n1. My orders"]
    assert only_order(uow_factory).status is OrderStatus.PENDING_PAYMENT

    assert open_menu_entry(chat, "purchases") == [
        f"Your orders:\n1. {code} — Waiting for payment — {TO_GERMANY_USD}"
    ]
    assert chat.send("1") == [
        f"Order {code}: Waiting for payment\n1 × Maasai collar — {COLLAR_USD}\n"
        f"Shipping to Germany: US$12\nTotal: {TO_GERMANY_USD}\n"
        "Ship to: Anna Schmidt, Hauptstr. 1, Berlin, Germany\n"
        f"{not_payable}\n1. Cancel order\n2. Back"
    ]

    # She opened her order while the demo card was on, and taps it after it was turned off.
    chat.engine = demo
    chat.send("Back")
    assert "1. Pay now (demo card)" in chat.send("1")[0]
    chat.engine = closed
    assert chat.send("Pay now (demo card)") == [f"{not_payable}\n1. My orders"]
    assert only_order(uow_factory).status is OrderStatus.PENDING_PAYMENT


def test_with_the_demo_card_turned_on_the_buyer_pays_in_the_chat(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, demo: ChatEngine
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("buyer")
    chat.engine = demo
    hello(chat)
    to_summary(chat, collar)
    placed = chat.tap("place")
    code = only_order(uow_factory).code
    assert placed[1] == (
        "Please pay with the link below.\n1. Pay now (demo card)\n"
        f"Pay {TO_GERMANY_USD}: {BASE_URL}/pay/demo/{code}"
    )
    assert chat.send("Pay now (demo card)")[0] == f"Payment received for {code}. Thank you!"
    assert only_order(uow_factory).status is OrderStatus.PAID


def test_a_card_provider_gives_a_link_and_no_demo_card(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    card = RecordingPayments(name="stripe")  # as Stripe Checkout: a link to its own page
    chat = new_chat("buyer")
    chat.engine = ChatEngine(uow_factory, registry, replace(market, payments=card), Clock())
    hello(chat)
    to_summary(chat, collar)
    placed = chat.tap("place")
    code = only_order(uow_factory).code
    link = f"Please pay with the link below.\nPay {TO_GERMANY_USD}: https://pay.test/{code}"
    assert placed[1] == link

    order = only_order(uow_factory)
    assert chat.tap(f"pay:{order.id}") == [
        "That button is from an earlier message.",
        f"Order {code} is waiting for your payment.",
        link,
    ]
    assert only_order(uow_factory).status is OrderStatus.PENDING_PAYMENT


def test_with_telegram_invoices_only_telegram_buyers_can_pay(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    registry: FlowRegistry,
    market: Marketplace,
) -> None:
    soko = engine_for(
        uow_factory,
        intake,
        registry,
        market,
        telegram_bot_token=SecretStr("123:abc"),
        telegram_payment_provider_token=SecretStr("284685063:TEST:xyz"),
    )
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    bangle = seed_product(uow_factory, maker, "Brass bangle")
    on_whatsapp = new_chat("+4915112345678", channel=Channel.WHATSAPP)
    on_telegram = new_chat("4242")
    on_whatsapp.engine = on_telegram.engine = soko
    hello(on_whatsapp)
    hello(on_telegram)
    on_whatsapp.send(f"/start p-{collar}")
    on_whatsapp.send("Add to cart")
    assert on_whatsapp.send("Checkout") == [NOT_OPEN]

    to_summary(on_telegram, bangle)
    before = on_telegram.last_outbox_id()
    on_telegram.tap("place")
    placed, pay = on_telegram.outbounds_since(before)
    assert placed.text.startswith("Order SK-")
    assert pay.invoice is not None
    assert pay.choices == ()
    assert only_order(uow_factory).channel is Channel.TELEGRAM


def only_order(uow_factory: UnitOfWorkFactory) -> Order:
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order)).one()
        uow.session.expunge_all()
        return order
