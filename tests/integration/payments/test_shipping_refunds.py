"""The shipping fee and refunds, on both databases: a refund that leaves nothing of any line
gives the shipping back (once); a partial refund keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from payments import refunds
from payments.completion import refund_cancelled_order
from store.models import Order
from store.money import Money
from store.services import ledger
from store.services.ledger import PLATFORM_SHIPPING
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHIPPING = 155_000  # KES 1,550: a parcel to Europe


def _sold(session: Session) -> Order:
    artisan = make_artisan(session, "Wanjiru Kamau")
    cuff = make_product(session, artisan, title="Brass cuff", stock=2)
    collar = make_product(session, artisan, title="Maasai collar", stock=2)
    order = make_paid_order(
        session, make_user(session, "Anna"), [(cuff, 1), (collar, 1)], shipping_minor=SHIPPING
    )
    ledger.record_sale(session, order)
    return order


def _shipping_held(session: Session) -> Money:
    return ledger.balance(session, PLATFORM_SHIPPING, "KES")


def test_refunding_the_whole_order_gives_the_shipping_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        order = _sold(uow.session)
        requested = refunds.refund_order(uow.session, order, "broken", NOW)
        assert requested.amount == Money(order.total_minor, "KES")
        assert _shipping_held(uow.session) == Money(0, "KES")
        assert ledger.unbalanced_transaction_ids(uow.session) == []


def test_a_partial_refund_keeps_the_shipping_until_the_last_line_goes_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        order = _sold(uow.session)
        first, second = order.lines
        part = Money(first.line_total_minor // 2, "KES")
        assert (
            refunds.refund_line(uow.session, order, first.id, part, "scratch", NOW).amount == part
        )
        assert _shipping_held(uow.session) == Money(SHIPPING, "KES")
        rest = refunds.refund_line(uow.session, order, first.id, None, "broken", NOW)
        assert rest.amount == Money(first.line_total_minor - part.amount, "KES")
        assert _shipping_held(uow.session) == Money(SHIPPING, "KES")  # the collar still goes
        last = refunds.refund_line(uow.session, order, second.id, None, "lost", NOW)
        assert last.amount == Money(second.line_total_minor + SHIPPING, "KES")
        assert _shipping_held(uow.session) == Money(0, "KES")
        assert ledger.unbalanced_transaction_ids(uow.session) == []


def test_a_cancelled_paid_order_owes_the_buyer_its_shipping_too(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        order = _sold(uow.session)
        assert refund_cancelled_order(uow.session, order) == Money(order.total_minor, "KES")
        assert refund_cancelled_order(uow.session, order) == Money(order.total_minor, "KES")
        assert _shipping_held(uow.session) == Money(0, "KES")
