"""Limits per buyer, as she meets them: she cannot hold every piece of the shop, a new order
replaces her unpaid one (its pieces freed for others), and ordering again and again is
refused kindly until the hour is over, in English and in Swahili."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from conversations.marketplace import Marketplace
from store.models import Order, OrderStatus
from store.services.buyer_limits import BuyerLimits
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.conftest import market as shop_market
from tests.integration.conversations.buying_support import (
    hello,
    product,
    seed_maker,
    seed_product,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat

ADDED_CHOICES = "1. My cart\n2. Checkout\n3. Keep shopping"


@pytest.fixture
def market(tmp_path: object) -> Marketplace:
    shop = shop_market.__wrapped__(tmp_path)  # type: ignore[attr-defined]
    return replace(shop, config=replace(shop.config, buyer_limits=BuyerLimits(5, 3)))


def open_card(chat: Chat, product_id: int) -> list[str]:
    return chat.send(f"/start p-{product_id}")


def check_out(chat: Chat, product_id: int, *, buy: str = "Buy now") -> list[str]:
    """Open the piece, buy it, type where it goes (the first time; after that she sends it
    to the same address): the summary she is asked to confirm."""
    ordered_before = bool(orders_of(chat.uow_factory, chat))
    open_card(chat, product_id)
    chat.send(buy)
    chat.send("1")  # how many
    if ordered_before:
        return chat.send("1")  # yes, the same address
    chat.send("Amina Otieno")
    chat.send("Moi Avenue 1, Mombasa")
    return chat.send("Kenya")


def orders_of(uow_factory: UnitOfWorkFactory, chat: Chat) -> list[tuple[str, OrderStatus]]:
    buyer = user_id_of(uow_factory, chat)
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(Order.code, Order.status).where(Order.buyer_user_id == buyer).order_by(Order.id)
        )
        return [(code, status) for code, status in rows]


def test_one_buyer_cannot_hold_every_piece(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=20)
    bangle = seed_product(uow_factory, maker, "Brass bangle", stock=20)
    hoarder, other = new_chat("hoarder"), new_chat("other", locale_hint="sw")
    hello(hoarder)
    hello(other, "sw")

    for piece, title in ((collar, "Maasai collar"), (bangle, "Brass bangle")):
        open_card(hoarder, piece)
        hoarder.send("Add to cart")
        assert hoarder.send("999") == [
            "One buyer can hold at most 5 of a piece, so I put 5 in your cart.",
            f"Added to your cart: 5 × {title}.\n{ADDED_CHOICES}",
        ]
    hoarder.send("Checkout")
    hoarder.send("Amina Otieno")
    hoarder.send("Moi Avenue 1, Mombasa")
    hoarder.send("Kenya")
    assert hoarder.send("Place order")[0].startswith("Order SK-")

    assert product(uow_factory, collar).stock_reserved == 5
    assert product(uow_factory, bangle).stock_reserved == 5
    # Everyone else still finds the pieces for sale, and meets the same limit in Swahili.
    open_card(other, collar)
    other.send("Weka kikapuni")
    assert other.send("999") == [
        "Mnunuzi mmoja anaweza kushika vipande 5 tu vya aina moja, kwa hivyo nimeweka 5 kikapuni.",
        "Nimeweka kikapuni: 5 × Maasai collar.\n1. Kikapu changu\n2. Kamilisha ununuzi\n"
        "3. Endelea kununua",
    ]


def test_one_order_holds_at_most_ten_pieces(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    pieces = [seed_product(uow_factory, maker, f"Earring {n}", stock=1) for n in range(1, 12)]
    buyer, mnunuzi = new_chat("buyer"), new_chat("mnunuzi", locale_hint="sw")
    hello(buyer)
    hello(mnunuzi, "sw")

    for n, piece in enumerate(pieces[:10], start=1):
        open_card(buyer, piece)
        assert buyer.send("Add to cart") == [
            f"Added to your cart: 1 × Earring {n}.\n{ADDED_CHOICES}"
        ]
        open_card(mnunuzi, piece)
        mnunuzi.send("Weka kikapuni")
    open_card(buyer, pieces[10])
    assert buyer.send("Add to cart") == [
        "Your cart is full: one order can hold at most 10 pieces, so I didn't add this one.\n"
        f"{ADDED_CHOICES}"
    ]
    open_card(mnunuzi, pieces[10])
    assert mnunuzi.send("Weka kikapuni") == [
        "Kikapu chako kimejaa: oda moja inaweza kushika vipande 10 tu, kwa hivyo sijaongeza "
        "hiki.\n1. Kikapu changu\n2. Kamilisha ununuzi\n3. Endelea kununua"
    ]

    buyer.send("Checkout")
    buyer.send("Amina Otieno")
    buyer.send("Moi Avenue 1, Mombasa")
    buyer.send("Kenya")
    assert buyer.send("Place order")[0].startswith("Order SK-")
    assert [product(uow_factory, piece).stock_reserved for piece in pieces] == [1] * 10 + [0]


def test_a_second_checkout_replaces_the_unpaid_order(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=2)
    bangle = seed_product(uow_factory, maker, "Brass bangle", stock=2)
    chat = new_chat("buyer")
    hello(chat)
    check_out(chat, collar)
    chat.send("Place order")
    [(first, _)] = orders_of(uow_factory, chat)
    assert product(uow_factory, collar).stock_reserved == 1

    summary = check_out(chat, bangle)
    assert summary[-1].endswith(
        f"This order replaces your unpaid order {first}, which will be cancelled.\n"
        "1. Place order\n2. Change details"
    )
    placed = chat.send("Place order")

    [(_, cancelled), (second, pending)] = orders_of(uow_factory, chat)
    assert (cancelled, pending) == (OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT)
    assert placed[:2] == [
        f"Your unpaid order {first} is cancelled: this new order replaces it.",
        f"Order {second} is placed. We hold these pieces for 30 minutes.",
    ]
    assert product(uow_factory, collar).stock_reserved == 0  # free for others again
    assert product(uow_factory, bangle).stock_reserved == 1


def test_a_second_checkout_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=3)
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    check_out(chat, collar, buy="Nunua sasa")
    chat.send("Weka oda")
    [(first, _)] = orders_of(uow_factory, chat)

    summary = check_out(chat, collar, buy="Nunua sasa")
    assert "Tuma kwa: Amina Otieno, Moi Avenue 1, Mombasa, Kenya" in summary[-1]
    assert f"Oda hii inachukua nafasi ya oda yako {first} ambayo haijalipwa" in summary[-1]
    placed = chat.send("Weka oda")
    assert placed[0] == (
        f"Oda yako {first} ambayo haijalipwa imeghairiwa: oda hii mpya inachukua nafasi yake."
    )
    assert product(uow_factory, collar).stock_reserved == 1


def test_ordering_again_and_again_is_refused_kindly(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=20)
    chat, mnunuzi = new_chat("buyer"), new_chat("mnunuzi", locale_hint="sw")
    hello(chat)
    hello(mnunuzi, "sw")
    for _ in range(3):  # the market allows 3 an hour
        check_out(chat, collar)
        assert chat.send("Place order")[-2].startswith("Order SK-")
    check_out(chat, collar)

    refused = chat.send("Place order")

    assert refused[0] == (
        "You have placed many orders in the last hour. Please try again in 60 minutes; "
        "everything stays in your cart."
    )
    assert refused[1].startswith("Your cart:\n1 × Maasai collar")
    statuses = [status for _, status in orders_of(uow_factory, chat)]
    assert statuses == [OrderStatus.CANCELLED] * 2 + [OrderStatus.PENDING_PAYMENT]
    assert product(uow_factory, collar).stock_reserved == 1

    for _ in range(3):
        check_out(mnunuzi, collar, buy="Nunua sasa")
        mnunuzi.send("Weka oda")
    check_out(mnunuzi, collar, buy="Nunua sasa")
    assert mnunuzi.send("Weka oda")[0] == (
        "Umeweka oda nyingi katika saa moja iliyopita. Tafadhali jaribu tena baada ya dakika "
        "60; kila kitu kinabaki kwenye kikapu chako."
    )
