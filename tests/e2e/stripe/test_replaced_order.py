"""A buyer's new order replaces her unpaid one, whose Stripe pay page is then closed (an
effect, after the commit): she cannot pay for the old order by mistake, and the event Stripe
sends about the closed page changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.stripe_wiring import subscribe_checkout_closing
from payments.stripe_checkout import EXPIRE_EFFECT, StripePayments
from store.models import Artisan, Channel, Effect, Order, OrderStatus, Product
from store.services import carts, orders
from store.uow import UnitOfWorkFactory
from tests.e2e.stripe.stripe_support import (
    SHIPPING,
    deliver,
    order_status,
    place_and_checkout,
    run_effects,
    utc_now,
    webhook_client,
)
from tests.factories import make_product
from tests.fakes.stripe_api import FakeStripe
from tests.market_support import TEST_PRICING


def test_a_replaced_order_has_its_pay_page_closed(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    subscribe_checkout_closing()  # as `soko run` wires Stripe
    now = utc_now()
    sale, session_id = place_and_checkout(uow_factory, payments, now, stock=2)
    assert fake_stripe.sessions[session_id]["status"] == "open"

    with uow_factory() as uow:
        other = make_product(uow.session, uow.session.get_one(Artisan, sale.artisan_id))
        carts.add_to_cart(uow.session, sale.buyer_id, other.id, 1, now=now)
        new = orders.place_order(
            uow.session, sale.buyer_id, Channel.CONSOLE, TEST_PRICING, SHIPPING, now
        )
        uow.commit()
        new_id = new.id
    assert order_status(uow_factory, sale.order_id) == OrderStatus.CANCELLED.value

    run_effects(uow_factory, payments, lambda: now)

    assert fake_stripe.sessions[session_id]["status"] == "expired"
    with uow_factory(read_only=True) as uow:
        closing = uow.session.scalars(select(Effect).where(Effect.kind == EXPIRE_EFFECT)).one()
        assert closing.payload == {"session_id": session_id}
    [expired] = [e for e in fake_stripe.events if e["type"] == "checkout.session.expired"]
    assert deliver(webhook_client(uow_factory, payments, lambda: now), expired) == 200
    assert order_status(uow_factory, sale.order_id) == OrderStatus.CANCELLED.value
    assert order_status(uow_factory, new_id) == OrderStatus.PENDING_PAYMENT.value
    with uow_factory(read_only=True) as uow:
        assert uow.session.get_one(Product, sale.product_id).stock_reserved == 0
        assert uow.session.scalars(select(Order.status).order_by(Order.id)).all() == [
            OrderStatus.CANCELLED,
            OrderStatus.PENDING_PAYMENT,
        ]
