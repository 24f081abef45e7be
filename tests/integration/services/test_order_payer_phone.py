"""An order placed for M-Pesa: priced in shillings, recording the way and the number to
charge; the number changes only on her own order, and only while it waits for payment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from store.errors import PermissionDenied
from store.models import Channel, Order, OrderStatus
from store.pricing import PricingPolicy
from store.services import carts, orders
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
HOME = ShippingDetails("Akinyi Odhiambo", "Kenyatta Ave 3, Nakuru", "KE")


def placed_by_mpesa(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    """(buyer, order): a KES 1,499 piece bought by M-Pesa from +254712345678."""
    with uow_factory() as uow:
        piece = make_product(uow.session, make_artisan(uow.session), price_minor=149_900)
        buyer = make_user(uow.session, "Akinyi").id
        carts.add_to_cart(uow.session, buyer, piece.id, 1, now=NOW)
        order = orders.place_order(
            uow.session,
            buyer,
            Channel.WHATSAPP,
            POLICY.in_currency("KES"),
            HOME,
            NOW,
            payment_method="mpesa",
            payer_phone="+254712345678",
        )
        uow.commit()
        return buyer, order.id


def test_an_m_pesa_order_is_in_whole_shillings_with_the_number_to_charge(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _, order_id = placed_by_mpesa(uow_factory)
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        # 1,499 × 1.40 = 2,098.60: whole shillings, rounded down; a parcel in Kenya KES 500.
        assert (order.currency, order.subtotal_minor) == ("KES", 209_800)
        assert (order.shipping_minor, order.total_minor) == (50_000, 259_800)
        assert order.lines[0].payout_cost_minor == 149_900
        assert (order.payment_method, order.payer_phone) == ("mpesa", "+254712345678")


def test_she_changes_the_number_of_her_pending_order(uow_factory: UnitOfWorkFactory) -> None:
    buyer, order_id = placed_by_mpesa(uow_factory)
    with uow_factory() as uow:
        orders.change_payer_phone(uow.session, buyer, order_id, "+254722000111")
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get_one(Order, order_id).payer_phone == "+254722000111"


def test_nobody_else_changes_it(uow_factory: UnitOfWorkFactory) -> None:
    _, order_id = placed_by_mpesa(uow_factory)
    with uow_factory() as uow:
        stranger = make_user(uow.session, "Mallory").id
        with pytest.raises(PermissionDenied):
            orders.change_payer_phone(uow.session, stranger, order_id, "+254722000111")


def test_an_order_no_longer_waiting_keeps_its_number(uow_factory: UnitOfWorkFactory) -> None:
    buyer, order_id = placed_by_mpesa(uow_factory)
    with uow_factory() as uow:
        orders.cancel_order(uow.session, buyer, order_id, NOW)
        order = orders.change_payer_phone(uow.session, buyer, order_id, "+254722000111")
        assert order.status is OrderStatus.CANCELLED
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get_one(Order, order_id).payer_phone == "+254712345678"
