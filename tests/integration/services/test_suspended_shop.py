"""A suspended shop sells nothing, on both databases: its pieces leave every list, search,
collection, page and cart (the buyer told once), no order is placed with them and unpaid ones
are cancelled whole (money arriving later is owed back); a paid order stays hers to send.
Reinstated, everything is back, the pieces untouched."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from payments.completion import complete_payment
from store import events
from store.models import (
    Artisan,
    ArtisanStatus,
    CartItem,
    Category,
    Channel,
    LineStatus,
    Order,
    OrderStatus,
    PaymentEvent,
    Product,
    ProductStatus,
)
from store.pricing import PricingPolicy
from store.services import (
    browse,
    cart_removals,
    carts,
    fulfilment,
    orders,
    showcase,
    suspension,
)
from store.services.audit import Actor
from store.services.carts import CartProblem
from store.services.open_shops import ShopClosed
from store.services.order_events import UnpaidOrderCancelled
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import (
    make_artisan,
    make_collection,
    make_paid_order,
    make_product,
    make_user,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Amy Buyer", "1 Main St, Springfield", "US")


@dataclass(frozen=True)
class Shops:
    buyer: int
    suspended_artisan: int
    suspended_shop_slug: str
    hers: list[int]  # her pieces: a ring and a necklace (the necklace has a slug we look up)
    necklace_slug: str
    other: int  # another shop's necklace
    collection: int


@pytest.fixture
def shops(uow_factory: UnitOfWorkFactory) -> Shops:
    return seed_shops(uow_factory)


def seed_shops(uow_factory: UnitOfWorkFactory) -> Shops:
    with uow_factory() as uow:
        s = uow.session
        buyer = make_user(s, "Amy")
        wanjiru, akinyi = make_artisan(s, "Wanjiru"), make_artisan(s, "Akinyi")
        copper, glass = ["copper"], ["glass"]
        ring = make_product(
            s, wanjiru, title="Copper ring", category=Category.RING, stock=3, materials=copper
        )
        necklace = make_product(s, wanjiru, title="Copper necklace", stock=3, materials=copper)
        other = make_product(s, akinyi, title="Glass necklace", stock=3, materials=glass)
        collection = make_collection(s, [ring, other, necklace])
        made = Shops(
            buyer.id,
            wanjiru.id,
            wanjiru.slug,
            [ring.id, necklace.id],
            str(necklace.slug),
            other.id,
            collection.id,
        )
        uow.commit()
    return made


def suspend(uow_factory: UnitOfWorkFactory, artisan_id: int) -> None:
    with uow_factory() as uow:
        assert suspension.suspend_shop(
            uow.session, Actor.operator(), artisan_id, NOW, reason="test"
        ).changed
        uow.commit()


def reinstate(uow_factory: UnitOfWorkFactory, artisan_id: int) -> None:
    with uow_factory() as uow:
        assert suspension.reinstate_shop(uow.session, Actor.operator(), artisan_id, NOW).changed
        uow.commit()


def listed(uow_factory: UnitOfWorkFactory, shops: Shops) -> dict[str, list[int]]:
    """Every way a buyer finds pieces: the ids each one shows."""
    with uow_factory(read_only=True) as uow:
        s = uow.session

        def ids(page: browse.Page) -> list[int]:
            return sorted(card.product_id for card in page.items)

        return {
            "all": ids(browse.browse(s)),
            "rings": ids(browse.browse(s, category=Category.RING)),
            "her shop": ids(browse.browse(s, artisan_id=shops.suspended_artisan)),
            "collection": ids(browse.browse(s, collection_id=shops.collection)),
            "search copper": ids(browse.search(s, "copper")),
            "search necklace": ids(browse.search(s, "necklace")),
        }


def test_a_suspended_shop_leaves_every_list_and_comes_back_when_reinstated(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    ring, necklace = shops.hers
    open_lists = {
        "all": sorted([ring, necklace, shops.other]),
        "rings": [ring],
        "her shop": [ring, necklace],
        "collection": sorted([ring, necklace, shops.other]),
        "search copper": [ring, necklace],
        "search necklace": sorted([necklace, shops.other]),
    }
    assert listed(uow_factory, shops) == open_lists

    suspend(uow_factory, shops.suspended_artisan)
    assert listed(uow_factory, shops) == {
        "all": [shops.other],
        "rings": [],
        "her shop": [],
        "collection": [shops.other],
        "search copper": [],
        "search necklace": [shops.other],
    }

    reinstate(uow_factory, shops.suspended_artisan)
    assert listed(uow_factory, shops) == open_lists


def test_her_piece_and_shop_pages_are_not_found_while_suspended(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    _, necklace = shops.hers

    def pages() -> tuple[int | None, int | None, int | None]:
        with uow_factory(read_only=True) as uow:
            by_slug = showcase.find_product(uow.session, shops.necklace_slug)
            by_id = showcase.find_product(uow.session, str(necklace))
            shop = showcase.find_shop(uow.session, shops.suspended_shop_slug)
            return (
                by_slug.id if by_slug else None,
                by_id.id if by_id else None,
                shop[0] if shop else None,
            )

    assert pages() == (necklace, necklace, shops.suspended_artisan)
    suspend(uow_factory, shops.suspended_artisan)
    assert pages() == (None, None, None)
    reinstate(uow_factory, shops.suspended_artisan)
    assert pages() == (necklace, necklace, shops.suspended_artisan)


def test_her_pieces_leave_every_cart_and_the_buyer_is_told_once(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    ring, necklace = shops.hers
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shops.buyer, ring, 2, now=NOW)
        carts.add_to_cart(uow.session, shops.buyer, shops.other, now=NOW)
        uow.commit()
    with uow_factory() as uow:
        change = suspension.suspend_shop(
            uow.session, Actor.operator(), shops.suspended_artisan, NOW, reason="test"
        )
        assert change.cart_buyers == (shops.buyer,)
        uow.commit()

    with uow_factory() as uow:
        with pytest.raises(ShopClosed) as refused:
            carts.add_to_cart(uow.session, shops.buyer, necklace, now=NOW)
        assert refused.value.product_ids == [necklace]
        view = carts.view_cart(uow.session, shops.buyer, POLICY)
        assert [(line.product_id, line.problem) for line in view.lines] == [(shops.other, None)]
        assert cart_removals.told_removals(uow.session, shops.buyer) == [
            cart_removals.RemovedPiece("Copper ring", 2)
        ]
        uow.commit()
    with uow_factory() as uow:
        assert cart_removals.told_removals(uow.session, shops.buyer) == []

    reinstate(uow_factory, shops.suspended_artisan)
    with uow_factory() as uow:
        view = carts.view_cart(uow.session, shops.buyer, POLICY)
        assert [line.product_id for line in view.lines] == [shops.other]  # not put back
        assert carts.add_to_cart(uow.session, shops.buyer, necklace, now=NOW).quantity == 1


def test_a_cart_line_that_raced_the_suspension_shows_unavailable_and_is_not_ordered(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    ring, _ = shops.hers
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shops.buyer, shops.other, now=NOW)
        uow.commit()
    suspend(uow_factory, shops.suspended_artisan)
    with uow_factory() as uow:  # a tap that read the shop open before the suspension
        cart = carts.get_or_create_cart(uow.session, shops.buyer, now=NOW)
        uow.session.add(CartItem(cart_id=cart.id, product_id=ring, quantity=1))
        uow.commit()

    with uow_factory() as uow:
        view = carts.view_cart(uow.session, shops.buyer, POLICY)
        problems = {line.product_id: (line.problem, line.quantity) for line in view.lines}
        assert problems == {ring: (CartProblem.UNAVAILABLE, 1), shops.other: (None, 1)}
        assert not view.ready_to_order
        with pytest.raises(ShopClosed) as refused:
            orders.place_order(uow.session, shops.buyer, Channel.CONSOLE, POLICY, SHIPPING, NOW)
        assert refused.value.product_ids == [ring]
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0
        reserved = uow.session.scalars(select(Product.stock_reserved).order_by(Product.id))
        assert set(reserved) == {0}

    reinstate(uow_factory, shops.suspended_artisan)
    with uow_factory() as uow:
        order = orders.place_order(uow.session, shops.buyer, Channel.CONSOLE, POLICY, SHIPPING, NOW)
        assert sorted(line.product_id for line in order.lines) == sorted([ring, shops.other])
        uow.commit()


def test_unpaid_orders_with_her_pieces_are_cancelled_whole_and_a_late_payment_is_owed_back(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    ring, _ = shops.hers
    with uow_factory() as uow:
        s = uow.session
        other_buyer = make_user(s, "Ben").id
        carts.add_to_cart(s, shops.buyer, ring, now=NOW)
        carts.add_to_cart(s, shops.buyer, shops.other, now=NOW)
        mixed = orders.place_order(s, shops.buyer, Channel.CONSOLE, POLICY, SHIPPING, NOW)
        carts.add_to_cart(s, other_buyer, shops.other, now=NOW)
        not_hers = orders.place_order(s, other_buyer, Channel.CONSOLE, POLICY, SHIPPING, NOW)
        mixed_id, mixed_code, not_hers_id = mixed.id, mixed.code, not_hers.id
        uow.commit()
    heard: list[int] = []

    def hear(_session: Session, event: UnpaidOrderCancelled, _now: datetime) -> None:
        heard.append(event.order.id)

    events.subscribe(UnpaidOrderCancelled, hear)
    try:
        with uow_factory() as uow:
            change = suspension.suspend_shop(
                uow.session, Actor.operator(), shops.suspended_artisan, NOW, reason="test"
            )
            assert [order.id for order in change.cancelled] == [mixed_id]
            uow.commit()
    finally:
        events._handlers[UnpaidOrderCancelled].remove(hear)
    assert heard == [mixed_id]

    with uow_factory() as uow:
        s = uow.session
        cancelled = s.get_one(Order, mixed_id)
        assert cancelled.status is OrderStatus.CANCELLED
        assert {line.status for line in cancelled.lines} == {LineStatus.CANCELLED}
        assert s.get_one(Order, not_hers_id).status is OrderStatus.PENDING_PAYMENT
        reserved = {p.id: p.stock_reserved for p in s.scalars(select(Product))}
        assert reserved == {ring: 0, shops.hers[1]: 0, shops.other: 1}  # Ben's still held

    # The push she had already confirmed on her phone arrives now: recorded, owed back.
    with uow_factory() as uow:
        result = complete_payment(
            uow.session,
            provider="mpesa",
            event_id="stk:late",
            event_type="paid",
            payment_ref="QK1234567",
            now=NOW,
            order_code=mixed_code,
        )
        assert result.refund_due
        assert not result.newly_paid
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get_one(Order, mixed_id).status is OrderStatus.CANCELLED
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(PaymentEvent)
                .where(PaymentEvent.order_id == mixed_id)
            )
            == 1
        )


def test_a_payment_for_an_order_that_expired_before_the_suspension_is_owed_back(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    ring, _ = shops.hers
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shops.buyer, ring, now=NOW)
        order = orders.place_order(uow.session, shops.buyer, Channel.CONSOLE, POLICY, SHIPPING, NOW)
        order_id, code = order.id, order.code
        uow.commit()
    with uow_factory() as uow:
        later = NOW + orders.DEFAULT_RESERVATION * 2
        assert [o.id for o in orders.expire_due_orders(uow.session, later)] == [order_id]
        uow.commit()
    suspend(uow_factory, shops.suspended_artisan)  # nothing unpaid to cancel: it expired

    with uow_factory() as uow:
        result = complete_payment(
            uow.session,
            provider="mpesa",
            event_id="stk:after-expiry",
            event_type="paid",
            payment_ref="QK7654321",
            now=NOW,
            order_code=code,
        )
        assert result.refund_due
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get_one(Order, order_id).status is OrderStatus.EXPIRED
        assert uow.session.get_one(Product, ring).stock_reserved == 0


def test_no_suspension_without_a_reason(uow_factory: UnitOfWorkFactory, shops: Shops) -> None:
    with uow_factory() as uow:
        for nothing in ("", "   \n "):
            with pytest.raises(suspension.ReasonRequired):
                suspension.suspend_shop(
                    uow.session, Actor.operator(), shops.suspended_artisan, NOW, reason=nothing
                )
        assert uow.session.get_one(Artisan, shops.suspended_artisan).status is not (
            ArtisanStatus.SUSPENDED
        )


def test_an_order_paid_before_the_suspension_is_still_hers_to_send(
    uow_factory: UnitOfWorkFactory, shops: Shops
) -> None:
    ring, _ = shops.hers
    with uow_factory() as uow:
        buyer = make_user(uow.session, "Ben")
        product = uow.session.get(Product, ring)
        assert product is not None
        paid = make_paid_order(uow.session, buyer, [(product, 1)])
        paid_id = paid.id
        uow.commit()
    suspend(uow_factory, shops.suspended_artisan)

    with uow_factory() as uow:
        to_send = fulfilment.orders_for_artisan(
            uow.session, shops.suspended_artisan, {LineStatus.PAID}
        )
        assert [mine.order.id for mine in to_send] == [paid_id]
        assert uow.session.get_one(Order, paid_id).status is OrderStatus.PAID
        assert uow.session.get_one(Product, ring).status is ProductStatus.ACTIVE
        assert suspension.paid_to_send(uow.session, shops.suspended_artisan) == [paid.code]


def test_an_order_placed_while_the_shop_is_being_suspended_is_never_left_unpaid(
    postgres_engine: Engine,
) -> None:
    """The buyer's "Place order" reaches PostgreSQL while the manager's suspension is written
    but not committed: the order waits for the shop's row, then finds it closed. (Without
    the shop read FOR SHARE it would be placed from the old row and outlive the
    suspension, unpaid, its pieces held.)"""
    factory = UnitOfWorkFactory(postgres_engine)
    shops = seed_shops(factory)
    ring, _ = shops.hers
    with factory() as uow:
        carts.add_to_cart(uow.session, shops.buyer, ring, now=NOW)
        uow.commit()
    outcome: list[object] = []

    def place() -> None:
        try:
            with factory() as uow:
                orders.place_order(uow.session, shops.buyer, Channel.CONSOLE, POLICY, SHIPPING, NOW)
                uow.commit()
                outcome.append("placed")
        except (ShopClosed, orders.EmptyCart) as refused:
            outcome.append(type(refused).__name__)

    with factory() as manager:
        suspension.suspend_shop(
            manager.session, Actor.operator(), shops.suspended_artisan, NOW, reason="test"
        )
        buyer = threading.Thread(target=place)
        buyer.start()
        _wait_until_blocked(postgres_engine)
        manager.commit()
    buyer.join(timeout=60)
    assert outcome == ["ShopClosed"]
    with factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0
        assert uow.session.get_one(Product, ring).stock_reserved == 0


def _wait_until_blocked(engine: Engine) -> None:
    """Until another connection waits on a row lock (no time limit but the test's own)."""
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as connection:
        while not connection.execute(blocked).scalar():
            connection.rollback()
            time.sleep(0.01)
