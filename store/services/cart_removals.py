"""Pieces Soko takes out of buyers' carts when their shop is suspended, and telling each
buyer once, the next time she looks at her cart.

The cart rows go at once (nobody can order them, and a reinstated shop does not put them
back); what was taken is kept in ``cart_removals`` only until the buyer has been told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import Cart, CartItem, CartRemoval, Product


@dataclass(frozen=True, slots=True)
class RemovedPiece:
    title: str
    quantity: int


def take_shop_out_of_carts(session: Session, artisan_id: int, now: datetime) -> list[int]:
    """Take every piece of this shop out of every cart, remembering it for its buyer; the
    buyers' user ids, each once."""
    rows = session.execute(
        select(CartItem.id, Cart.user_id, CartItem.product_id, CartItem.quantity)
        .join(Cart, Cart.id == CartItem.cart_id)
        .join(Product, Product.id == CartItem.product_id)
        .where(Product.artisan_id == artisan_id)
        .order_by(CartItem.id)
    ).all()
    if not rows:
        return []
    session.add_all(
        CartRemoval(user_id=user_id, product_id=product_id, quantity=quantity, removed_at=now)
        for _, user_id, product_id, quantity in rows
    )
    session.execute(
        delete(CartItem)
        .where(CartItem.id.in_([item_id for item_id, *_ in rows]))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return sorted({user_id for _, user_id, _, _ in rows})


def any_for(session: Session, user_id: int) -> bool:
    """Whether something was taken out of her cart that she has not been told of."""
    found = session.scalar(select(CartRemoval.id).where(CartRemoval.user_id == user_id).limit(1))
    return found is not None


def told_removals(session: Session, user_id: int) -> list[RemovedPiece]:
    """What was taken out of her cart since she last looked, oldest first; told once: the
    rows go with this unit of work."""
    rows = session.execute(
        select(CartRemoval.id, Product.title, CartRemoval.quantity)
        .join(Product, Product.id == CartRemoval.product_id)
        .where(CartRemoval.user_id == user_id)
        .order_by(CartRemoval.id)
    ).all()
    if rows:
        session.execute(
            delete(CartRemoval)
            .where(CartRemoval.id.in_([row_id for row_id, _, _ in rows]))
            .execution_options(synchronize_session=False)
        )
    return [RemovedPiece(title, quantity) for _, title, quantity in rows]
