"""Payment completion on both databases: once per provider event, whatever the deliveries."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.payment_labels import checkout_labels
from payments.completion import complete_payment
from payments.demo import DemoPayments
from store.errors import NotFound
from store.models import (
    Channel,
    LedgerTransaction,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentEvent,
)
from store.money import Money
from store.payment_port import CompletionResult, ConfirmInChat
from store.services import carts, ledger, orders
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.market_support import TEST_PRICING

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SHIPPING = ShippingDetails("Anna Schmidt", "Hauptstr. 1, Berlin", "DE")


def _sale(uow_factory: UnitOfWorkFactory, stock: int = 1) -> tuple[int, int, int]:
    """An order awaiting payment for one piece: (order id, artisan id, product id)."""
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, "Wanjiru Kamau")
        product = make_product(uow.session, artisan, title="Maasai collar", stock=stock)
        order_id = _order(uow.session, product.id)
        uow.commit()
        return order_id, artisan.id, product.id


def _order(session: Session, product_id: int) -> int:
    buyer = make_user(session, "Buyer")
    carts.add_to_cart(session, buyer.id, product_id, now=NOW)
    order = orders.place_order(session, buyer.id, Channel.CONSOLE, TEST_PRICING, SHIPPING, NOW)
    return order.id


def _complete(
    uow_factory: UnitOfWorkFactory, order_id: int, event_id: str = "evt_1", ref: str = "pi_1"
) -> CompletionResult:
    with uow_factory() as uow:
        result = complete_payment(
            uow.session,
            provider="stripe",
            event_id=event_id,
            event_type="checkout.session.completed",
            order_id=order_id,
            payment_ref=ref,
            now=NOW + timedelta(minutes=5),
            payload={"id": event_id},
        )
        uow.commit()
        return result


def _counts(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int]:
    """(payment events, ledger transactions, outbox messages)."""
    with uow_factory() as uow:
        count = uow.session.scalar
        return (
            count(select(func.count()).select_from(PaymentEvent)) or 0,
            count(select(func.count()).select_from(LedgerTransaction)) or 0,
            count(select(func.count()).select_from(OutboxMessage)) or 0,
        )


def _status(uow_factory: UnitOfWorkFactory, order_id: int) -> OrderStatus:
    with uow_factory() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        return order.status


def test_the_first_delivery_pays_and_a_repeat_does_nothing(uow_factory: UnitOfWorkFactory) -> None:
    order_id, artisan_id, _ = _sale(uow_factory)
    first = _complete(uow_factory, order_id)
    assert (first.newly_paid, first.duplicate, first.refund_due) == (True, False, False)
    assert first.order.status == OrderStatus.PAID
    # One event, one sale, two notifications (the artisan, the buyer).
    assert _counts(uow_factory) == (1, 1, 2)

    again = _complete(uow_factory, order_id)
    assert (again.newly_paid, again.duplicate) == (False, True)
    assert _counts(uow_factory) == (1, 1, 2)
    with uow_factory() as uow:
        # Her share waits for the buyer to receive the piece.
        assert ledger.pending_balance(uow.session, artisan_id) == Money(150_000, "KES")
        assert ledger.artisan_balance(uow.session, artisan_id) == Money(0, "KES")
        event = uow.session.scalars(select(PaymentEvent)).one()
        assert (event.provider, event.event_id, event.order_id) == ("stripe", "evt_1", order_id)
        assert event.processed_at is not None


def test_another_event_for_the_same_payment_is_not_new(uow_factory: UnitOfWorkFactory) -> None:
    order_id, _, _ = _sale(uow_factory)
    _complete(uow_factory, order_id, "evt_1")
    second = _complete(uow_factory, order_id, "evt_2")
    assert (second.newly_paid, second.duplicate, second.refund_due) == (False, False, False)
    assert _counts(uow_factory) == (2, 1, 2)


def test_a_second_payment_of_a_paid_order_is_to_be_refunded(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, _, _ = _sale(uow_factory)
    _complete(uow_factory, order_id, "evt_1", "pi_1")
    other = _complete(uow_factory, order_id, "evt_2", "pi_2")
    assert (other.newly_paid, other.refund_due) == (False, True)
    assert _counts(uow_factory) == (2, 1, 2)


def test_money_for_an_expired_order_whose_piece_is_gone_is_to_be_refunded(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, _, product_id = _sale(uow_factory)
    with uow_factory() as uow:
        orders.expire_due_orders(uow.session, NOW + timedelta(hours=1))
        _order(uow.session, product_id)  # someone else takes the piece
        uow.commit()
    late = _complete(uow_factory, order_id)
    assert (late.newly_paid, late.refund_due) == (False, True)
    assert _status(uow_factory, order_id) == OrderStatus.EXPIRED
    assert _counts(uow_factory) == (1, 0, 0)  # recorded, nothing else
    assert _complete(uow_factory, order_id).duplicate


def test_money_for_an_expired_order_still_in_stock_is_taken(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, _, _ = _sale(uow_factory)
    with uow_factory() as uow:
        orders.expire_due_orders(uow.session, NOW + timedelta(hours=1))
        uow.commit()
    late = _complete(uow_factory, order_id)
    assert (late.newly_paid, late.refund_due) == (True, False)
    assert _status(uow_factory, order_id) == OrderStatus.PAID


def test_money_for_a_cancelled_order_is_to_be_refunded(uow_factory: UnitOfWorkFactory) -> None:
    order_id, _, _ = _sale(uow_factory)
    with uow_factory() as uow:
        order = orders.get_order(uow.session, order_id)
        orders.cancel_order(uow.session, order.buyer_user_id, order_id, NOW)
        uow.commit()
    result = _complete(uow_factory, order_id)
    assert (result.newly_paid, result.refund_due) == (False, True)
    assert _status(uow_factory, order_id) == OrderStatus.CANCELLED


def test_an_unknown_order_records_nothing(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound):
        complete_payment(
            uow.session,
            provider="demo",
            event_id="evt_x",
            event_type="checkout.completed",
            order_code="SK-NOPE22",
            payment_ref="demo_SK-NOPE22",
            now=NOW,
        )
    assert _counts(uow_factory) == (0, 0, 0)


def test_the_demo_provider_links_and_confirms_by_order_code(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, _, _ = _sale(uow_factory)
    demo = DemoPayments("https://soko.test/")
    with uow_factory() as uow:
        order = orders.get_order(uow.session, order_id)
        checkout = demo.start_checkout(
            uow.session, order, locale="en", labels=checkout_labels("en", order.code), now=NOW
        )
        assert (checkout.provider, checkout.reference) == ("demo", f"demo_{order.code}")
        assert checkout.action == ConfirmInChat(f"https://soko.test/pay/demo/{order.code}")
        assert checkout.expires_at == order.reserved_until
        result = demo.confirm(uow.session, order.code, NOW)
        uow.commit()
    assert result.newly_paid
    assert result.order.payment_ref == f"demo_{result.order.code}"


def test_racing_deliveries_of_one_event_have_one_effect(uow_factory: UnitOfWorkFactory) -> None:
    order_id, _, _ = _sale(uow_factory)
    deliveries = 4
    barrier = threading.Barrier(deliveries, timeout=60)

    def deliver(_: int) -> bool:
        barrier.wait()
        return _complete(uow_factory, order_id).newly_paid

    with ThreadPoolExecutor(max_workers=deliveries) as pool:
        results = list(pool.map(deliver, range(deliveries)))
    assert sorted(results) == [False, False, False, True]
    assert _counts(uow_factory) == (1, 1, 2)
