"""Delivery on both databases: shipped lines become delivered, once, and the order with them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from store import events
from store.errors import PermissionDenied
from store.models import Channel, LineStatus, Order, OrderStatus
from store.pricing import PricingPolicy
from store.services import carts, delivery, fulfilment, orders
from store.services.order_events import LinesDelivered
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Amy Chen", "12 Elm St, Portland OR 97201", "us")
heard: list[LinesDelivered] = []


@pytest.fixture(autouse=True)
def _listening() -> Iterator[None]:
    heard.clear()

    def hear(session: Session, event: LinesDelivered, now: datetime) -> None:
        heard.append(event)

    events.subscribe(LinesDelivered, hear)
    yield
    events._handlers[LinesDelivered].remove(hear)


def _shop(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int, int, int]:
    """(buyer, artisan user, other artisan user, her product, the other's product)."""
    with uow_factory() as uow:
        s = uow.session
        artisan, other = make_artisan(s, "Wanjiru"), make_artisan(s, "Achieng")
        made = (
            make_user(s, "Amy").id,
            artisan.user_id,
            other.user_id,
            make_product(s, artisan, title="Brass cuff", stock=3).id,
            make_product(s, other, title="Horn ring", stock=3).id,
        )
        uow.commit()
    return made


def _paid_order(uow_factory: UnitOfWorkFactory, buyer: int, products: list[int]) -> Order:
    with uow_factory() as uow:
        for product in products:
            carts.add_to_cart(uow.session, buyer, product, 1, now=NOW)
        order = orders.place_order(uow.session, buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW)
        orders.mark_paid(uow.session, order.id, "stripe", f"pi_{order.id}", NOW)
        uow.commit()
        uow.session.expunge(order)
        return order


def _ship(uow_factory: UnitOfWorkFactory, artisan_user: int, line_id: int, at: datetime) -> None:
    with uow_factory() as uow:
        fulfilment.accept_line(uow.session, artisan_user, line_id, at)
        fulfilment.ship_line(uow.session, artisan_user, line_id, at)
        uow.commit()


def _statuses(uow_factory: UnitOfWorkFactory, order_id: int) -> tuple[OrderStatus, list[str]]:
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        return order.status, [line.status.value for line in order.lines]


def test_the_buyer_confirms_and_every_shipped_line_is_delivered_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, her, other, cuff, ring = _shop(uow_factory)
    order = _paid_order(uow_factory, buyer, [cuff, ring])
    first, second = (line.id for line in order.lines)
    _ship(uow_factory, her, first, NOW)
    _ship(uow_factory, other, second, NOW)
    with uow_factory() as uow:
        moved = delivery.mark_delivered(uow.session, order.id, NOW, by=buyer)
        uow.commit()
        assert [line.id for line in moved] == [first, second]
    assert _statuses(uow_factory, order.id) == (OrderStatus.DELIVERED, ["delivered"] * 2)
    assert [(e.order.id, e.line_ids, e.by) for e in heard] == [(order.id, (first, second), buyer)]
    with uow_factory() as uow:  # a second tap: nothing moves, nothing is said
        assert delivery.mark_delivered(uow.session, order.id, NOW, by=buyer) == []
        uow.commit()
    assert len(heard) == 1


def test_a_parcel_that_arrived_before_the_rest_shipped_leaves_the_order_open(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, her, _, cuff, ring = _shop(uow_factory)
    order = _paid_order(uow_factory, buyer, [cuff, ring])
    first, _second = (line.id for line in order.lines)
    _ship(uow_factory, her, first, NOW)
    with uow_factory() as uow:
        delivery.mark_delivered(uow.session, order.id, NOW, by=None)
        uow.commit()
    assert _statuses(uow_factory, order.id) == (OrderStatus.PAID, ["delivered", "paid"])


def test_only_her_buyer_confirms_an_order(uow_factory: UnitOfWorkFactory) -> None:
    buyer, her, _, cuff, _ = _shop(uow_factory)
    order = _paid_order(uow_factory, buyer, [cuff])
    _ship(uow_factory, her, order.lines[0].id, NOW)
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        delivery.mark_delivered(uow.session, order.id, NOW, by=her)
    assert _statuses(uow_factory, order.id) == (OrderStatus.SHIPPED, ["shipped"])


def test_orders_shipped_long_enough_ago_are_due_for_delivery(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, her, other, cuff, ring = _shop(uow_factory)
    old = _paid_order(uow_factory, buyer, [cuff])
    recent = _paid_order(uow_factory, buyer, [ring])
    unshipped = _paid_order(uow_factory, buyer, [cuff])
    _ship(uow_factory, her, old.lines[0].id, NOW)
    _ship(uow_factory, other, recent.lines[0].id, NOW + timedelta(days=10))
    thirty_days = lambda country: timedelta(days=30)  # noqa: E731
    with uow_factory() as uow:
        due = delivery.due_for_delivery(uow.session, NOW + timedelta(days=30), thirty_days)
        assert due == [old.id]
        assert [o.id for o in delivery.shipped_orders(uow.session, buyer)] == [old.id, recent.id]
    assert unshipped.id not in due
    assert LineStatus.SHIPPED.value in _statuses(uow_factory, old.id)[1]
