"""Shares released on arrival, through the events a delivery and a hub pass publish (the
handlers `bot/domain_events.py` subscribes): delivered always releases; passed only in a
shop that says so (`PAYOUT_RELEASE=passed`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.domain_events import subscribe_handlers
from store import events
from store.models import Artisan, Order
from store.money import Money
from store.services import delivery, fulfilment, ledger
from store.services.order_events import LinesPassed
from store.services.payout_release import ReleaseOn
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def release_on_passed() -> Iterator[None]:
    saved = {key: list(value) for key, value in events._handlers.items()}
    subscribe_handlers(ReleaseOn.PASSED)
    yield
    events._handlers.clear()
    events._handlers.update(saved)


def _sold(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int]:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        buyer = make_user(s)
        product = make_product(s, artisan, price_minor=150_000, stock=1)
        order = make_paid_order(s, buyer, [(product, 1)])
        ledger.record_sale(s, order)
        uow.commit()
        return order.id, artisan.id, buyer.id


def _balances(uow_factory: UnitOfWorkFactory, artisan_id: int) -> tuple[Money, Money]:
    with uow_factory() as uow:
        s = uow.session
        return ledger.pending_balance(s, artisan_id), ledger.payable_balance(s, artisan_id)


def test_her_share_is_pending_until_the_buyer_says_it_arrived(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, artisan_id, buyer_id = _sold(uow_factory)
    pending, payable = _balances(uow_factory, artisan_id)
    assert (pending.amount > 0, payable.amount) == (True, 0)
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        artisan = uow.session.get_one(Artisan, artisan_id)
        for line in order.lines:
            fulfilment.accept_line(uow.session, artisan.user_id, line.id, NOW)
            fulfilment.ship_line(uow.session, artisan.user_id, line.id, NOW)
        uow.commit()
    assert _balances(uow_factory, artisan_id) == (pending, payable)  # shipped is not arrived
    with uow_factory() as uow:
        delivery.mark_delivered(uow.session, order_id, NOW, by=buyer_id)
        uow.commit()
    assert _balances(uow_factory, artisan_id) == (Money(0, "KES"), pending)


def test_passed_at_the_hub_releases_only_when_the_shop_says_so(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, artisan_id, _ = _sold(uow_factory)
    pending, _ = _balances(uow_factory, artisan_id)
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        events.publish(uow.session, LinesPassed(order, (order.lines[0].id,)), NOW)
        uow.commit()
    assert _balances(uow_factory, artisan_id) == (pending, Money(0, "KES"))


def test_passed_at_the_hub_releases_in_a_shop_that_pays_on_passing(
    uow_factory: UnitOfWorkFactory, release_on_passed: None
) -> None:
    order_id, artisan_id, _ = _sold(uow_factory)
    pending, _ = _balances(uow_factory, artisan_id)
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        events.publish(uow.session, LinesPassed(order, (order.lines[0].id,)), NOW)
        uow.commit()
    assert _balances(uow_factory, artisan_id) == (Money(0, "KES"), pending)
