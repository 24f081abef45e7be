"""A Checkout Session per order, through the real stripe library against the fake API."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import Engine

from conversations.payment_labels import checkout_labels
from payments.stripe_checkout import OrderNotPayable, StripePayments, session_expiry
from store.models import Order
from store.payment_port import LinkBeingMade
from store.services import orders
from store.uow import UnitOfWorkFactory
from tests.e2e.stripe.stripe_support import (
    BASE_URL,
    place,
    place_and_checkout,
    run_effects,
    utc_now,
)
from tests.fakes.stripe_api import FakeStripe


@pytest.fixture
def uow_factory(sqlite_engine: Engine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(sqlite_engine)


def test_one_session_per_order_with_its_lines_images_and_return_pages(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    now = utc_now()
    sale, session_id = place_and_checkout(uow_factory, payments, now, pieces=2, quantity=2, stock=3)
    checkout = fake_stripe.sessions[session_id]
    with uow_factory(read_only=True) as uow:
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        lines = list(order.lines)
    assert checkout["amount_total"] == order.total_minor
    assert checkout["currency"] == "usd"
    assert checkout["client_reference_id"] == order.code
    assert checkout["metadata"] == {"order_id": str(order.id), "order_code": order.code}
    assert checkout["payment_intent_data_sent"]["metadata"]["order_code"] == order.code
    assert checkout["success_url"] == f"{BASE_URL}/checkout/success?order={order.code}"
    assert checkout["cancel_url"] == f"{BASE_URL}/checkout/cancel?order={order.code}"
    assert checkout["shipping_address_collection"] is None  # the chat collected it
    *sent, shipping = checkout["line_items_sent"]
    assert [item["price_data"]["product_data"]["name"] for item in sent] == [
        line.title for line in lines
    ]
    assert [int(item["price_data"]["unit_amount"]) for item in sent] == [
        line.unit_price_minor for line in lines
    ]
    assert [int(item["quantity"]) for item in sent] == [2, 2]
    assert order.shipping_minor > 0  # the parcel of four pieces to its zone
    assert shipping["price_data"]["product_data"] == {"name": "Shipping"}
    assert (int(shipping["quantity"]), int(shipping["price_data"]["unit_amount"])) == (
        1,
        order.shipping_minor,
    )
    assert sent[0]["price_data"]["product_data"]["images"] == [
        f"{BASE_URL}/media/{0:064d}/medium.jpg"
    ]
    # Asking again (a second tap on "pay") returns the same page, without a new session.
    with uow_factory() as uow:
        order = orders.get_order(uow.session, sale.order_id)
        again = payments.start_checkout(
            uow.session, order, locale="en", labels=checkout_labels("en", order.code), now=now
        )
        uow.commit()
    assert again.reference == session_id
    assert len(fake_stripe.sessions) == 1
    creates = [r for r in fake_stripe.requests if r[0] == "POST"]
    assert [key for *_, key in creates] == [f"checkout-{sale.code}"]


def test_a_short_reservation_is_stretched_past_stripes_30_minutes_and_the_order_follows(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    now = utc_now()
    sale, session_id = place_and_checkout(
        uow_factory, payments, now, reservation=timedelta(minutes=10)
    )
    expires_at = fake_stripe.sessions[session_id]["expires_at"]
    # Stripe's 30 minutes, a minute for clocks, and 15 for the request to wait (Stripe down)
    # and still be sent under its first key.
    assert expires_at == int((now + timedelta(minutes=46)).timestamp())
    with uow_factory(read_only=True) as uow:
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        assert order.reserved_until is not None
        assert order.reserved_until.replace(tzinfo=UTC).timestamp() == expires_at


def test_a_long_reservation_is_cut_to_24_hours() -> None:
    now = utc_now()
    assert session_expiry(now + timedelta(days=3), now) == now + timedelta(hours=24, minutes=-1)
    assert session_expiry(now + timedelta(hours=2), now) == now + timedelta(hours=2)


def test_stripe_collects_the_address_when_the_chat_did_not(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    now = utc_now()
    with uow_factory() as uow:
        sale = place(uow.session, now=now)
        order = orders.get_order(uow.session, sale.order_id)
        order.shipping_address = ""  # an order taken without an address (a future channel)
        asked = payments.start_checkout(
            uow.session, order, locale="sw", labels=checkout_labels("sw", order.code), now=now
        )
        uow.commit()
    assert asked.action == LinkBeingMade()
    assert fake_stripe.sessions == {}  # Stripe is called after the commit
    assert run_effects(uow_factory, payments) == 1
    [sent] = fake_stripe.sessions.values()
    assert "DE" in sent["shipping_address_collection"]["allowed_countries"]
    assert sent["locale"] == "auto"  # Stripe has no Swahili page


def test_an_order_no_longer_waiting_gets_no_pay_page(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    now = utc_now()
    with uow_factory() as uow:
        sale = place(uow.session, now=now)
        orders.cancel_order(uow.session, sale.buyer_id, sale.order_id, now)
        order = orders.get_order(uow.session, sale.order_id)
        with pytest.raises(OrderNotPayable):
            payments.start_checkout(
                uow.session, order, locale="en", labels=checkout_labels("en", order.code), now=now
            )
    assert fake_stripe.sessions == {}
