"""The Nairobi hub on both databases: received, passed or returned, packed and shipped with
tracking; and an artisan shipping herself with tracking (direct mode)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from store import events
from store.errors import InvalidTransition, NotFound, PermissionDenied
from store.models import Channel, LineStatus, Order, OrderLine, OrderStatus, Parcel, Role
from store.pricing import PricingPolicy
from store.services import carts, fulfilment, hub, orders, payment_events, roles
from store.services.audit import Actor
from store.services.order_events import LinesPassed
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Anna Schmidt", "Hauptstr. 1, 10115 Berlin", "DE")


@dataclass
class Shop:
    order_id: int
    code: str
    cuff: int  # line ids, one per artisan
    ring: int
    wanjiru: int  # user ids
    achieng: int
    manager: int
    buyer: int


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory) -> Shop:
    with uow_factory() as uow:
        s = uow.session
        wanjiru = make_artisan(s, "Wanjiru")
        achieng = make_artisan(s, "Achieng")
        manager = make_user(s, "Mama Soko")
        buyer = make_user(s, "Anna")
        roles.grant(s, Actor.operator(), manager.id, Role.COMMUNITY_MANAGER, NOW)
        cuff = make_product(s, wanjiru, title="Brass cuff", stock=1)
        ring = make_product(s, achieng, title="Horn ring", stock=1)
        carts.add_to_cart(s, buyer.id, cuff.id, 1, now=NOW)
        carts.add_to_cart(s, buyer.id, ring.id, 1, now=NOW)
        order = orders.place_order(s, buyer.id, Channel.TELEGRAM, POLICY, SHIPPING, NOW)
        orders.mark_paid(s, order.id, "stripe", "pi_1", NOW)
        by_product = {line.product_id: line.id for line in order.lines}
        fulfilment.accept_line(s, wanjiru.user_id, by_product[cuff.id], NOW)
        fulfilment.accept_line(s, achieng.user_id, by_product[ring.id], NOW)
        found = Shop(
            order.id,
            order.code,
            by_product[cuff.id],
            by_product[ring.id],
            wanjiru.user_id,
            achieng.user_id,
            manager.id,
            buyer.id,
        )
        uow.commit()
    return found


@pytest.fixture
def passed_events(monkeypatch: pytest.MonkeyPatch) -> list[LinesPassed]:
    heard: list[LinesPassed] = []
    known = list(events._handlers.get(LinesPassed, []))
    monkeypatch.setitem(
        events._handlers, LinesPassed, [*known, lambda session, event, now: heard.append(event)]
    )
    return heard


def _statuses(uow_factory: UnitOfWorkFactory, order_id: int) -> tuple[OrderStatus, list[str]]:
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        return order.status, [line.status.value for line in order.lines]


def _manager(shop: Shop) -> Actor:
    return Actor.user(shop.manager)


def test_an_order_is_found_by_its_code_however_typed(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:
        for typed in (
            f"  {shop.code.lower()} ",
            shop.code.replace("-", " "),
            shop.code.removeprefix("SK-"),
            shop.code.lower().replace("-", ""),
        ):
            found = hub.order_by_code(uow.session, typed)
            assert found is not None, typed
            assert found.id == shop.order_id
        assert hub.order_by_code(uow.session, "ZZZZZZ") is None


def test_received_passed_packed_and_shipped(
    uow_factory: UnitOfWorkFactory, shop: Shop, passed_events: list[LinesPassed]
) -> None:
    with uow_factory() as uow:
        for line_id in (shop.cuff, shop.ring):
            hub.receive_at_hub(uow.session, _manager(shop), line_id, NOW)
        uow.commit()
    assert _statuses(uow_factory, shop.order_id) == (OrderStatus.PAID, ["at_hub", "at_hub"])
    with uow_factory() as uow:
        hub.pass_line(uow.session, _manager(shop), shop.cuff, NOW)
        hub.pass_line(uow.session, _manager(shop), shop.cuff, NOW)  # a double tap
        hub.pass_line(uow.session, _manager(shop), shop.ring, NOW)
        uow.commit()
    assert [(event.order.id, event.line_ids) for event in passed_events] == [
        (shop.order_id, (shop.cuff,)),
        (shop.order_id, (shop.ring,)),
    ]
    with uow_factory() as uow:
        parcel = hub.ship_parcel(
            uow.session, _manager(shop), shop.order_id, "DHL", " 1234 567 890 ", LATER
        )
        assert (parcel.carrier, parcel.tracking_number) == ("DHL", "1234 567 890")
        uow.commit()
    assert _statuses(uow_factory, shop.order_id) == (OrderStatus.SHIPPED, ["shipped", "shipped"])
    with uow_factory() as uow:
        saved = uow.session.scalars(select(Parcel)).one()
        assert (saved.order_id, saved.shipped_at, saved.recorded_by_user_id) == (
            shop.order_id,
            LATER,
            shop.manager,
        )
        lines = uow.session.scalars(select(OrderLine).order_by(OrderLine.id)).all()
        assert [line.parcel_id for line in lines] == [saved.id, saved.id]
        assert hub.parcels_of(uow.session, shop.order_id) == [saved]


def test_only_passed_pieces_go_in_the_parcel(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow:
        s = uow.session
        hub.receive_at_hub(s, _manager(shop), shop.cuff, NOW)
        hub.pass_line(s, _manager(shop), shop.cuff, NOW)
        hub.ship_parcel(s, _manager(shop), shop.order_id, "Posta Kenya", "RR123KE", LATER)
        uow.commit()
    assert _statuses(uow_factory, shop.order_id) == (OrderStatus.PAID, ["shipped", "accepted"])
    with uow_factory() as uow, pytest.raises(hub.NothingToShip):
        hub.ship_parcel(uow.session, _manager(shop), shop.order_id, "DHL", "1", LATER)


def test_a_returned_piece_can_be_brought_again(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow:
        s = uow.session
        hub.receive_at_hub(s, _manager(shop), shop.ring, NOW)
        line = hub.return_line(s, _manager(shop), shop.ring, "  The clasp is broken ", NOW)
        assert (line.status, line.return_reason) == (LineStatus.RETURNED, "The clasp is broken")
        uow.commit()
    with uow_factory() as uow, pytest.raises(InvalidTransition):
        hub.pass_line(uow.session, _manager(shop), shop.ring, NOW)
    with uow_factory() as uow:
        hub.receive_at_hub(uow.session, _manager(shop), shop.ring, LATER)
        line = hub.pass_line(uow.session, _manager(shop), shop.ring, LATER)
        assert line.status is LineStatus.PASSED
        uow.commit()


def test_a_return_needs_a_reason(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow:
        hub.receive_at_hub(uow.session, _manager(shop), shop.ring, NOW)
        with pytest.raises(hub.ReasonNeeded):
            hub.return_line(uow.session, _manager(shop), shop.ring, "   ", NOW)


def test_only_a_manager_works_the_hub(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        hub.receive_at_hub(uow.session, Actor.user(shop.wanjiru), shop.cuff, NOW)
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        hub.ship_parcel(uow.session, Actor.user(shop.buyer), shop.order_id, "DHL", "1", NOW)
    with uow_factory() as uow, pytest.raises(NotFound):
        hub.receive_at_hub(uow.session, _manager(shop), 999_999, NOW)


def test_a_tracking_number_is_needed(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow:
        s = uow.session
        hub.receive_at_hub(s, _manager(shop), shop.cuff, NOW)
        hub.pass_line(s, _manager(shop), shop.cuff, NOW)
        with pytest.raises(hub.InvalidTracking):
            hub.ship_parcel(s, _manager(shop), shop.order_id, "DHL", "  ", LATER)
        with pytest.raises(hub.InvalidTracking):
            hub.ship_parcel(s, _manager(shop), shop.order_id, "", "123", LATER)


def test_direct_the_artisan_ships_her_piece_with_tracking(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:
        line = fulfilment.ship_line(
            uow.session, shop.wanjiru, shop.cuff, LATER, tracking=("UPS", "1Z999AA10123456784")
        )
        assert line.parcel_id is not None
        uow.commit()
    with uow_factory() as uow:
        parcel = uow.session.scalars(select(Parcel)).one()
        assert (parcel.carrier, parcel.tracking_number, parcel.recorded_by_user_id) == (
            "UPS",
            "1Z999AA10123456784",
            shop.wanjiru,
        )
        fulfilment.ship_line(uow.session, shop.achieng, shop.ring, LATER)  # no number known
        uow.commit()
    assert _statuses(uow_factory, shop.order_id) == (OrderStatus.SHIPPED, ["shipped", "shipped"])


def test_a_returned_piece_refunded_lets_the_rest_of_the_order_count_as_shipped(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:
        s = uow.session
        for line_id in (shop.cuff, shop.ring):
            hub.receive_at_hub(s, _manager(shop), line_id, NOW)
        hub.pass_line(s, _manager(shop), shop.cuff, NOW)
        hub.return_line(s, _manager(shop), shop.ring, "Cracked horn", NOW)
        hub.ship_parcel(s, _manager(shop), shop.order_id, "G4S", "G4S-1", LATER)
        uow.commit()
    assert _statuses(uow_factory, shop.order_id) == (OrderStatus.PAID, ["shipped", "returned"])
    with uow_factory() as uow:
        order = uow.session.get_one(Order, shop.order_id)
        ring = next(line for line in order.lines if line.id == shop.ring)
        payment_events.settle_refunded_lines(
            uow.session, order, {ring.id: ring.line_total_minor}, LATER
        )
        uow.commit()
    assert _statuses(uow_factory, shop.order_id) == (OrderStatus.SHIPPED, ["shipped", "refunded"])
