"""Oversell is impossible: 50 buyers race for 10 pieces, on SQLite and on PostgreSQL.

Each buyer is a thread with its own unit of work (its own connection from the engine's
pool): on SQLite writers queue on ``BEGIN IMMEDIATE`` and the busy timeout; on PostgreSQL
they run at once under READ COMMITTED and the conditional UPDATE decides. A barrier starts
every "buy" together. Any database error (deadlock, serialization failure, lock timeout)
escapes the thread and fails the test: the only acceptable loss is ``InsufficientStock``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from store.models import CartItem, Channel, Order, OrderStatus, Product, ProductStatus
from store.pricing import PricingPolicy
from store.services import carts, orders
from store.services.buyer_limits import BuyerLimits
from store.services.inventory import InsufficientStock
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

BUYERS = 50
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Buyer", "1 Main St", "US")
LIMITS = BuyerLimits(pieces_per_product=5, orders_per_hour=5)

T = TypeVar("T")
R = TypeVar("R")


def _in_parallel(work: Callable[[T], R], inputs: list[T]) -> list[R]:
    with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
        return list(pool.map(work, inputs))


def _seed(uow_factory: UnitOfWorkFactory, stocks: list[int]) -> tuple[list[int], list[int]]:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        products = [make_product(uow.session, artisan, stock=s).id for s in stocks]
        buyers = [make_user(uow.session, f"Buyer {n}").id for n in range(BUYERS)]
        uow.commit()
    return buyers, products


def _race(
    uow_factory: UnitOfWorkFactory, buyers: list[int], cart: list[tuple[int, int]]
) -> list[int | InsufficientStock]:
    """Every buyer fills her cart, waits for the others, then places the order at once."""
    barrier = threading.Barrier(len(buyers), timeout=60)

    def buy(buyer: int) -> int | InsufficientStock:
        with uow_factory() as uow:
            for product, quantity in random.sample(cart, len(cart)):
                carts.add_to_cart(uow.session, buyer, product, quantity, now=NOW)
            uow.commit()
        barrier.wait()
        try:
            with uow_factory() as uow:
                order = orders.place_order(
                    uow.session, buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW
                )
                uow.commit()
                return order.id
        except InsufficientStock as sold_out:
            return sold_out

    return _in_parallel(buy, buyers)


def _stock(uow_factory: UnitOfWorkFactory, product_id: int) -> tuple[int, int, ProductStatus]:
    with uow_factory(read_only=True) as uow:
        product = uow.session.get_one(Product, product_id)
        return product.stock_on_hand, product.stock_reserved, product.status


def _placed(results: list[int | InsufficientStock]) -> list[int]:
    return [r for r in results if isinstance(r, int)]


def _refused(results: list[int | InsufficientStock]) -> list[InsufficientStock]:
    return [r for r in results if isinstance(r, InsufficientStock)]


@pytest.mark.parametrize(("stock", "per_buyer", "winners"), [(10, 1, 10), (10, 2, 5), (11, 2, 5)])
def test_fifty_buyers_race_for_the_last_pieces(
    engine: Engine, stock: int, per_buyer: int, winners: int
) -> None:
    uow_factory = UnitOfWorkFactory(engine)
    buyers, (product,) = _seed(uow_factory, [stock])

    results = _race(uow_factory, buyers, [(product, per_buyer)])

    placed, refused = _placed(results), _refused(results)
    assert (len(placed), len(refused)) == (winners, BUYERS - winners)
    assert all(e.product_ids == [product] for e in refused)
    assert all(e.items[0].requested == per_buyer for e in refused)
    assert all(e.items[0].available < per_buyer for e in refused)
    reserved = winners * per_buyer
    assert _stock(uow_factory, product) == (stock, reserved, ProductStatus.ACTIVE)

    # Pay 60 % of the winners, all at once, while the rest are left to expire.
    paying, expiring = placed[: winners * 6 // 10], placed[winners * 6 // 10 :]

    def pay(order_id: int) -> None:
        with uow_factory() as uow:
            orders.mark_paid(uow.session, order_id, "stripe", f"pi_{order_id}", NOW)
            uow.commit()

    _in_parallel(pay, paying)
    committed = len(paying) * per_buyer
    on_hand, still_reserved, _ = _stock(uow_factory, product)
    assert (on_hand, still_reserved) == (stock - committed, reserved - committed)
    assert on_hand - still_reserved == stock - committed - (reserved - committed)

    # Two expiry runs at once (two scheduler processes): each order is released exactly once.
    def expire(_: int) -> list[int]:
        with uow_factory() as uow:
            expired = [order.id for order in orders.expire_due_orders(uow.session, LATER)]
            uow.commit()
            return expired

    runs = _in_parallel(expire, [1, 2])
    assert sorted(runs[0] + runs[1]) == sorted(expiring)
    assert _stock(uow_factory, product) == (stock - committed, 0, ProductStatus.ACTIVE)
    with uow_factory(read_only=True) as uow:
        statuses = [o.status for o in orders.orders_for_buyer(uow.session, buyers[0])]
    assert set(statuses) <= {OrderStatus.PAID, OrderStatus.EXPIRED}


def test_carts_with_two_products_never_deadlock(engine: Engine) -> None:
    """Carts filled in random order still lock products in id order: no deadlock."""
    uow_factory = UnitOfWorkFactory(engine)
    buyers, (bracelet, earrings) = _seed(uow_factory, [10, 7])

    results = _race(uow_factory, buyers, [(bracelet, 1), (earrings, 1)])

    assert len(_placed(results)) == 7
    assert len(_refused(results)) == BUYERS - 7
    assert _stock(uow_factory, bracelet) == (10, 7, ProductStatus.ACTIVE)
    assert _stock(uow_factory, earrings) == (7, 7, ProductStatus.ACTIVE)


def test_paying_the_last_pieces_marks_the_product_sold_out(engine: Engine) -> None:
    uow_factory = UnitOfWorkFactory(engine)
    buyers, (product,) = _seed(uow_factory, [10])
    placed = _placed(_race(uow_factory, buyers, [(product, 1)]))

    def pay(order_id: int) -> None:
        with uow_factory() as uow:
            orders.mark_paid(uow.session, order_id, "stripe", f"pi_{order_id}", NOW)
            uow.commit()

    _in_parallel(pay, placed)
    assert _stock(uow_factory, product) == (0, 0, ProductStatus.SOLD_OUT)


def test_payments_racing_the_expiry_job_still_end_paid(engine: Engine) -> None:
    """Payments land while the expiry job runs: each order is either paid in time, or
    expired and then re-taken by its late payment. Stock ends committed exactly once."""
    uow_factory = UnitOfWorkFactory(engine)
    buyers, (product,) = _seed(uow_factory, [10])
    placed = _placed(_race(uow_factory, buyers, [(product, 1)]))
    barrier = threading.Barrier(len(placed) + 1, timeout=60)

    def pay_or_expire(order_id: int | None) -> None:
        barrier.wait()
        with uow_factory() as uow:
            if order_id is None:
                orders.expire_due_orders(uow.session, LATER)
            else:
                orders.mark_paid(uow.session, order_id, "stripe", f"pi_{order_id}", LATER)
            uow.commit()

    _in_parallel(pay_or_expire, [None, *placed])
    assert _stock(uow_factory, product) == (0, 0, ProductStatus.SOLD_OUT)
    with uow_factory(read_only=True) as uow:
        paid = [o.status for buyer in buyers for o in orders.orders_for_buyer(uow.session, buyer)]
    assert paid == [OrderStatus.PAID] * 10


def _place(
    uow_factory: UnitOfWorkFactory, buyer: int, product: int | None
) -> int | InsufficientStock:
    """Put one piece of `product` in the cart (None: as it is) and place the order,
    replacing her unpaid one."""
    if product is not None:
        with uow_factory() as uow:
            carts.add_to_cart(uow.session, buyer, product, 1, now=NOW, most=5)
            uow.commit()
    try:
        with uow_factory() as uow:
            order = orders.place_order(
                uow.session, buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW, limits=LIMITS
            )
            uow.commit()
            return order.id
    except InsufficientStock as sold_out:
        return sold_out


def _pending_orders(uow_factory: UnitOfWorkFactory, buyers: list[int]) -> dict[int, list[int]]:
    with uow_factory(read_only=True) as uow:
        return {
            buyer: [
                o.id
                for o in orders.orders_for_buyer(uow.session, buyer)
                if o.status is OrderStatus.PENDING_PAYMENT
            ]
            for buyer in buyers
        }


def test_holders_replacing_their_orders_never_lose_their_pieces_to_the_race(
    engine: Engine,
) -> None:
    """The ten buyers holding the last pieces place new orders while forty others race for
    them: each holder's pieces are released and taken again in one transaction, so nobody
    else can slip in between, and every buyer ends with at most one unpaid order."""
    uow_factory = UnitOfWorkFactory(engine)
    buyers, (product,) = _seed(uow_factory, [10])
    first = _race(uow_factory, buyers, [(product, 1)])
    holders = [
        buyer for buyer, result in zip(buyers, first, strict=True) if isinstance(result, int)
    ]
    assert len(holders) == 10
    # The losers' carts still hold the piece; the holders put it in theirs again (filled
    # while it was available, as a cart may be).
    with uow_factory() as uow:
        for buyer in holders:
            cart = carts.get_or_create_cart(uow.session, buyer, now=NOW)
            cart.items.append(CartItem(product_id=product, quantity=1))
        uow.commit()
    barrier = threading.Barrier(len(buyers), timeout=60)

    def again(buyer: int) -> int | InsufficientStock:
        barrier.wait()
        return _place(uow_factory, buyer, None)

    second = dict(zip(buyers, _in_parallel(again, buyers), strict=True))

    assert sorted(b for b, result in second.items() if isinstance(result, int)) == sorted(holders)
    pending = _pending_orders(uow_factory, buyers)
    assert all(pending[b] == [second[b]] for b in holders)
    assert all(pending[b] == [] for b in buyers if b not in holders)
    assert _stock(uow_factory, product) == (10, 10, ProductStatus.ACTIVE)


def test_a_payment_racing_her_new_order_keeps_money_and_stock_right(engine: Engine) -> None:
    """Her old order's payment lands while she places a new one: either it was paid first
    (she holds both), or it was replaced first and the payment is refused (refunded by the
    payment layer). Either way each piece is counted once."""
    uow_factory = UnitOfWorkFactory(engine)
    buyers, (product,) = _seed(uow_factory, [30])
    buyers = buyers[:10]
    placed = _in_parallel(lambda b: _place(uow_factory, b, product), buyers)
    old = dict(zip(buyers, placed, strict=True))
    with uow_factory() as uow:
        for buyer in buyers:
            carts.add_to_cart(uow.session, buyer, product, 1, now=NOW)
        uow.commit()
    barrier = threading.Barrier(2 * len(buyers), timeout=60)

    def pay_or_replace(job: tuple[int, bool]) -> str:
        buyer, paying = job
        barrier.wait()
        if not paying:
            return "placed" if isinstance(_place(uow_factory, buyer, None), int) else "short"
        try:
            with uow_factory() as uow:
                orders.mark_paid(uow.session, int(old[buyer]), "stripe", f"pi_{buyer}", NOW)
                uow.commit()
            return "paid"
        except orders.PaymentForClosedOrder:
            return "refused"

    jobs = [(buyer, paying) for buyer in buyers for paying in (True, False)]
    outcomes = dict(zip(jobs, _in_parallel(pay_or_replace, jobs), strict=True))

    assert all(outcomes[(b, False)] == "placed" for b in buyers)
    paid = [b for b in buyers if outcomes[(b, True)] == "paid"]
    assert all(outcomes[(b, True)] in ("paid", "refused") for b in buyers)
    with uow_factory(read_only=True) as uow:
        for buyer in buyers:
            status = uow.session.get_one(Order, int(old[buyer])).status
            assert status is (OrderStatus.PAID if buyer in paid else OrderStatus.CANCELLED)
    pending = _pending_orders(uow_factory, buyers)
    assert all(len(pending[b]) == 1 for b in buyers)
    assert _stock(uow_factory, product) == (30 - len(paid), len(buyers), ProductStatus.ACTIVE)
