"""The buyer says her parcel arrived: typed in either language, tapped on her order, with
nothing on its way, from an old button, and with two orders on their way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from conversations.flows.buyer_orders import OpenOrder
from conversations.payloads import ParcelReceived
from store.models import Order, OrderStatus
from store.services import fulfilment
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.test_buyer_orders import latest_order, place
from tests.integration.conversations.buying_support import (
    Maker,
    hello,
    open_menu_entry,
    seed_maker,
    seed_product,
    told,
)
from tests.integration.conversations.conftest import Chat

SHIPPED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def ship(uow_factory: UnitOfWorkFactory, maker: Maker, order: Order) -> None:
    with uow_factory() as uow:
        for line in uow.session.get_one(Order, order.id).lines:
            fulfilment.accept_line(uow.session, maker.user_id, line.id, SHIPPED_AT)
            fulfilment.ship_line(uow.session, maker.user_id, line.id, SHIPPED_AT)
        uow.commit()


def status(uow_factory: UnitOfWorkFactory, order: Order) -> OrderStatus:
    with uow_factory() as uow:
        return uow.session.scalars(select(Order.status).where(Order.id == order.id)).one()


def test_she_types_received_and_the_artisan_hears_her_piece_arrived(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)  # writes in Swahili
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    order = place(chat, collar, pay=True)
    ship(uow_factory, maker, order)

    assert chat.send("Received") == [
        f"Thank you for telling us! Order {order.code} has arrived. We hope you love it."
    ]
    assert status(uow_factory, order) == OrderStatus.DELIVERED
    assert told(uow_factory, maker.user_id)[-1] == (
        f"Habari njema: mnunuzi amepokea oda {order.code}: 1 × Maasai collar."
    )
    assert chat.send("received") == [
        "None of your orders is on its way to you just now. Send menu to see your orders."
    ]
    assert chat.tap(ParcelReceived(order.id).encode()) == [  # the old button, once more
        f"Order {order.code} has already arrived. Thank you!"
    ]


def test_swahili_buyer_says_imefika(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("mnunuzi")
    hello(chat, "sw")
    chat.send(f"/start p-{collar}")
    chat.tap(f"pc:buy:{collar}")
    chat.send("Amina Otieno")
    chat.send("Moi Avenue 1, Mombasa")
    chat.send("Kenya")
    chat.tap("place")
    order = latest_order(chat)
    chat.tap(f"pay:{order.id}")
    ship(uow_factory, maker, order)

    assert chat.send("Imefika!") == [
        f"Asante kwa kutuambia! Oda {order.code} imefika. Tunatumaini utaipenda."
    ]


def test_nothing_shipped_yet(new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    assert chat.send("nimepokea") == [
        "None of your orders is on its way to you just now. Send menu to see your orders."
    ]
    order = place(chat, collar, pay=True)
    assert chat.tap(ParcelReceived(order.id).encode()) == [
        f"Order {order.code} has not been shipped yet. We will tell you when it is on its way."
    ]
    assert status(uow_factory, order) == OrderStatus.PAID


def test_someone_else_s_received_button_changes_nothing(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    buyer = new_chat("buyer")
    hello(buyer)
    order = place(buyer, collar, pay=True)
    ship(uow_factory, maker, order)
    stranger = new_chat("stranger")
    hello(stranger)
    answer = stranger.tap(ParcelReceived(order.id).encode())
    assert answer[0] == "That button is from an earlier message."
    assert status(uow_factory, order) == OrderStatus.SHIPPED


def test_two_orders_on_their_way_she_picks_which(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    ring = seed_product(uow_factory, maker, "Horn ring")
    chat = new_chat("buyer")
    hello(chat)
    first = place(chat, collar, pay=True)
    chat.send(f"/start p-{ring}")
    chat.tap(f"pc:buy:{ring}")
    chat.tap("same")
    chat.tap("place")
    second = latest_order(chat)
    chat.tap(f"pay:{second.id}")
    ship(uow_factory, maker, first)
    ship(uow_factory, maker, second)

    assert chat.send("received") == [
        "Which order has arrived?\n"
        f"1. {first.code}: 1 × Maasai collar\n"
        f"2. {second.code}: 1 × Horn ring"
    ]
    assert chat.send("2") == [
        f"Thank you for telling us! Order {second.code} has arrived. We hope you love it."
    ]
    assert (status(uow_factory, first), status(uow_factory, second)) == (
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )


def test_received_on_her_order_in_my_orders(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    order = place(chat, collar, pay=True)
    ship(uow_factory, maker, order)
    open_menu_entry(chat, "purchases")
    shown = chat.send("1")
    assert shown[0].endswith("1. Received\n2. Not arrived\n3. Damaged\n4. Back")
    assert chat.send("Received") == [
        f"Thank you for telling us! Order {order.code} has arrived. We hope you love it."
    ]


def test_received_typed_on_one_order_s_page_means_that_order(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    ring = seed_product(uow_factory, maker, "Horn ring")
    chat = new_chat("buyer")
    hello(chat)
    first = place(chat, collar, pay=True)
    chat.send(f"/start p-{ring}")
    chat.tap(f"pc:buy:{ring}")
    chat.tap("same")
    chat.tap("place")
    second = latest_order(chat)
    chat.tap(f"pay:{second.id}")
    ship(uow_factory, maker, first)
    ship(uow_factory, maker, second)
    chat.tap(OpenOrder(first.id).encode())
    assert chat.send("received") == [
        f"Thank you for telling us! Order {first.code} has arrived. We hope you love it."
    ]
    assert status(uow_factory, second) == OrderStatus.SHIPPED
