"""Merging two accounts of one person (say WhatsApp and Telegram) once they share a phone.

The older account survives; identities, roles (union), a shop, orders (both accounts'), the
cart (merged), the conversation and language she used last, and every other row that points
at the newer user move to it, and the newer user is deleted. Only two shops cannot become one.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.models import (
    Artisan,
    Base,
    Cart,
    CartItem,
    ConversationState,
    RoleSource,
    User,
    UserRole,
)


class AccountConflict(StoreError):
    """Two accounts share a phone but both hold what cannot be merged automatically.

    ``reason`` is "both_artisans" (two shops); a community manager sorts it out.
    """

    def __init__(self, user_id: int, other_user_id: int, reason: str) -> None:
        super().__init__(f"cannot merge users {user_id} and {other_user_id}: {reason}")
        self.user_id = user_id
        self.other_user_id = other_user_id
        self.reason = reason


def user_with_phone(session: Session, phone: str) -> User | None:
    return session.scalars(select(User).where(User.phone == phone)).one_or_none()


def merge_users(session: Session, first: User, second: User, phone: str) -> User:
    """Fold the newer of two users into the older, which ends up with ``phone``; returns it.

    Raises ``AccountConflict`` when both have a shop.
    """
    survivor, absorbed = sorted((first, second), key=lambda u: (u.created_at, u.id))
    if _has_artisan(session, survivor.id) and _has_artisan(session, absorbed.id):
        raise AccountConflict(first.id, second.id, "both_artisans")

    absorbed_locale = absorbed.locale
    survivor.display_name = survivor.display_name or absorbed.display_name
    survivor.nudges_opted_out = survivor.nudges_opted_out or absorbed.nudges_opted_out
    absorbed.phone = None
    session.flush()
    survivor.phone = phone
    session.flush()

    keep, drop = survivor.id, absorbed.id
    # A role given by hand on either account stays when ADMIN_PHONES changes.
    by_hand = select(UserRole.role).where(
        UserRole.user_id == drop, UserRole.source == RoleSource.GRANTED
    )
    session.execute(
        update(UserRole)
        .where(UserRole.user_id == keep, UserRole.role.in_(by_hand))
        .values(source=RoleSource.GRANTED)
        .execution_options(synchronize_session=False)
    )
    held = select(UserRole.role).where(UserRole.user_id == keep)
    session.execute(
        update(UserRole)
        .where(UserRole.user_id == drop, UserRole.role.not_in(held))
        .values(user_id=keep)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(UserRole).where(UserRole.user_id == drop))
    _merge_cart(session, keep, drop)
    if _merge_conversation_state(session, keep, drop) == drop:
        survivor.locale = absorbed_locale  # she goes on where, and as, she chatted last
        session.flush()
    handled = {UserRole.__table__, Cart.__table__, ConversationState.__table__}
    for table in Base.metadata.sorted_tables:
        if table in handled:
            continue
        for column in table.columns:
            if any(fk.column is User.__table__.c.id for fk in column.foreign_keys):
                session.execute(update(table).where(column == drop).values({column.name: keep}))
    session.expire_all()
    session.delete(absorbed)
    session.flush()
    session.refresh(survivor)
    return survivor


def _merge_cart(session: Session, keep: int, drop: int) -> None:
    kept = session.scalar(select(Cart.id).where(Cart.user_id == keep))
    dropped = session.scalar(select(Cart.id).where(Cart.user_id == drop))
    if dropped is None:
        return
    if kept is None:
        session.execute(update(Cart).where(Cart.id == dropped).values(user_id=keep))
        return
    in_kept = select(CartItem.product_id).where(CartItem.cart_id == kept)
    session.execute(
        update(CartItem)
        .where(CartItem.cart_id == dropped, CartItem.product_id.not_in(in_kept))
        .values(cart_id=kept)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(CartItem).where(CartItem.cart_id == dropped))
    session.execute(delete(Cart).where(Cart.id == dropped))


def _merge_conversation_state(session: Session, keep: int, drop: int) -> int | None:
    """Keep whichever conversation moved last: that is where the person is now. Returns
    whose it was (None when neither account has one)."""
    states = {
        s.user_id: s
        for s in session.scalars(
            select(ConversationState).where(ConversationState.user_id.in_((keep, drop)))
        )
    }
    if drop not in states:
        return keep if keep in states else None
    if keep in states and states[keep].updated_at >= states[drop].updated_at:
        session.delete(states[drop])
        session.flush()
        return keep
    if keep in states:
        session.delete(states[keep])
        session.flush()
    session.execute(
        update(ConversationState)
        .where(ConversationState.user_id == drop)
        .values(user_id=keep)
        .execution_options(synchronize_session=False)
    )
    return drop


def _has_artisan(session: Session, user_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Artisan.user_id == user_id))))
