"""The `deliver_shipped_orders` job: a shipped order nobody said arrived counts as arrived
once its time since shipping has passed; the buyer and the artisan are told, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from conversations.jobs.delivery import deliver_shipped_orders
from store.models import OrderStatus
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.test_buyer_orders import place
from tests.integration.conversations.buying.test_parcel_received import SHIPPED_AT, ship, status
from tests.integration.conversations.buying_support import (
    hello,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat


def thirty_days(country: str) -> timedelta:
    return timedelta(days=30)


def test_a_month_after_shipping_the_order_counts_as_arrived(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    order = place(chat, collar, pay=True)
    ship(uow_factory, maker, order)
    almost = SHIPPED_AT + timedelta(days=30) - timedelta(minutes=1)

    assert deliver_shipped_orders(uow_factory, almost, thirty_days) == []
    assert status(uow_factory, order) == OrderStatus.SHIPPED
    assert deliver_shipped_orders(uow_factory, almost + timedelta(minutes=1), thirty_days) == [
        order.code
    ]
    assert status(uow_factory, order) == OrderStatus.DELIVERED
    assert told(uow_factory, user_id_of(uow_factory, chat))[-1] == (
        f"Order {order.code} shipped a while ago, so we now count it as arrived. "
        "Thank you for buying handmade!"
    )
    assert told(uow_factory, maker.user_id)[-1] == (
        f"Habari njema: mnunuzi amepokea oda {order.code}: 1 × Maasai collar."
    )
    assert deliver_shipped_orders(uow_factory, almost + timedelta(days=1), thirty_days) == []
