"""Stock: reserved when an order is placed, committed when paid, released when not.

Every change is one conditional ``UPDATE`` whose ``WHERE`` states what must still be true
("enough is available", "this much is reserved"), so two buyers can never both take the last
piece: the database decides, row by row, and a loser sees ``rowcount == 0``. Nothing here reads
a count and writes it back.

Rows are always updated in product-id order. Together with the order services' rule (lock
the order row first, then products), that gives every transaction the same lock order, so
PostgreSQL cannot deadlock; on SQLite ``BEGIN IMMEDIATE`` already serialises writers.

``sold_out`` is inventory's word for "nothing available": a commit that leaves no available
piece marks an active product sold out, and a release or restock that frees a piece makes a
sold-out product active again. (An artisan who stops making a piece archives it instead.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Update, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from store.errors import StoreError
from store.models import Product, ProductStatus
from store.rowcount import rows_matched

available = Product.stock_on_hand - Product.stock_reserved


class StockShortage(NamedTuple):
    product_id: int
    requested: int
    available: int


class InsufficientStock(StoreError):
    """Not enough pieces available (a product just sold out, or is no longer for sale)."""

    def __init__(self, items: Iterable[StockShortage | tuple[int, int, int]]) -> None:
        self.items = [StockShortage(*item) for item in items]
        detail = ", ".join(
            f"product {i.product_id}: wanted {i.requested}, {i.available} left" for i in self.items
        )
        super().__init__(f"sold out: {detail}")

    @property
    def product_ids(self) -> list[int]:
        return [item.product_id for item in self.items]


class StockOutOfStep(StoreError):
    """Committing or releasing more than is reserved: an order and the stock disagree (a bug)."""

    def __init__(self, product_id: int, quantity: int, action: str) -> None:
        super().__init__(f"cannot {action} {quantity} of product {product_id}: not reserved")
        self.product_id = product_id
        self.quantity = quantity
        self.action = action


Quantities = Iterable[tuple[int, int]]


def in_lock_order(quantities: Quantities) -> list[tuple[int, int]]:
    """(product id, quantity) pairs merged per product and sorted by id: the lock order."""
    merged: defaultdict[int, int] = defaultdict(int)
    for product_id, quantity in quantities:
        if quantity < 1:
            raise ValueError(f"quantity must be positive, got {quantity} for {product_id}")
        merged[product_id] += quantity
    return sorted(merged.items())


def rows_updated(session: Session, statement: Update) -> int:
    """Run a conditional UPDATE and say how many rows matched its WHERE."""
    options = {"synchronize_session": False}
    return rows_matched(session.execute(statement, execution_options=options))


def available_stock(session: Session, product_id: int) -> int:
    value = session.scalar(select(available).where(Product.id == product_id))
    return value if value is not None else 0


def reserve(session: Session, quantities: Quantities) -> None:
    """Hold pieces for an unpaid order: all of them, or none (``InsufficientStock``).

    Runs in a savepoint, so a caller that catches the error and carries on has reserved
    nothing. Every short product is reported, not just the first.
    """
    wanted = in_lock_order(quantities)
    shortages: list[StockShortage] = []
    savepoint = session.begin_nested()
    try:
        for product_id, quantity in wanted:
            statement = (
                update(Product)
                .where(
                    Product.id == product_id,
                    Product.status == ProductStatus.ACTIVE,
                    available >= quantity,
                )
                .values(stock_reserved=Product.stock_reserved + quantity)
            )
            if rows_updated(session, statement) == 0:
                shortages.append(StockShortage(product_id, quantity, 0))
    except BaseException:
        savepoint.rollback()
        raise
    if shortages:
        savepoint.rollback()
        raise InsufficientStock(_with_current_availability(session, shortages))
    savepoint.commit()
    _expire_products(session, wanted)


def commit_reserved(session: Session, quantities: Quantities) -> None:
    """A paid order takes its reserved pieces out of stock for good."""
    changed = in_lock_order(quantities)
    for product_id, quantity in changed:
        statement = (
            update(Product)
            .where(Product.id == product_id, Product.stock_reserved >= quantity)
            .values(
                stock_on_hand=Product.stock_on_hand - quantity,
                stock_reserved=Product.stock_reserved - quantity,
            )
        )
        if rows_updated(session, statement) == 0:
            raise StockOutOfStep(product_id, quantity, "commit")
        rows_updated(
            session,
            update(Product)
            .where(
                Product.id == product_id,
                Product.status == ProductStatus.ACTIVE,
                available == 0,
            )
            .values(status=ProductStatus.SOLD_OUT),
        )
    _expire_products(session, changed)


def release(session: Session, quantities: Quantities) -> None:
    """An unpaid order gives its reserved pieces back (expired or cancelled)."""
    changed = in_lock_order(quantities)
    for product_id, quantity in changed:
        statement = (
            update(Product)
            .where(Product.id == product_id, Product.stock_reserved >= quantity)
            .values(stock_reserved=Product.stock_reserved - quantity)
        )
        if rows_updated(session, statement) == 0:
            raise StockOutOfStep(product_id, quantity, "release")
        _back_in_stock(session, product_id)
    _expire_products(session, changed)


def restock(session: Session, quantities: Quantities) -> None:
    """Pieces of a paid order that will not ship go back on hand (a cancelled paid order)."""
    changed = in_lock_order(quantities)
    for product_id, quantity in changed:
        rows_updated(
            session,
            update(Product)
            .where(Product.id == product_id)
            .values(stock_on_hand=Product.stock_on_hand + quantity),
        )
        _back_in_stock(session, product_id)
    _expire_products(session, changed)


def _back_in_stock(session: Session, product_id: int) -> None:
    rows_updated(
        session,
        update(Product)
        .where(
            Product.id == product_id,
            Product.status == ProductStatus.SOLD_OUT,
            available > 0,
        )
        .values(status=ProductStatus.ACTIVE),
    )


def _with_current_availability(
    session: Session, shortages: list[StockShortage]
) -> list[StockShortage]:
    """Fill in what is available now (for the message; a product no longer for sale has 0)."""
    ids = [s.product_id for s in shortages]
    rows = session.execute(
        select(Product.id, available).where(
            Product.id.in_(ids), Product.status == ProductStatus.ACTIVE
        )
    ).all()
    now_available = {product_id: max(count, 0) for product_id, count in rows}
    return [s._replace(available=now_available.get(s.product_id, 0)) for s in shortages]


def _expire_products(session: Session, changed: list[tuple[int, int]]) -> None:
    """Loaded Product objects are stale after a bulk UPDATE: reload them on next access."""
    for product_id, _ in changed:
        loaded = session.identity_map.get(identity_key(Product, product_id))
        if loaded is not None:
            session.expire(loaded)
