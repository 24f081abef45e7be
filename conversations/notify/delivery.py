"""What people are told when an order's parcel arrives: each artisan that her piece reached
the buyer; the buyer, when the shop counted it as arrived without her word. Written to the
outbox on the session (the scheduler delivers orders too), each in its reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.notify.orders import ITEM
from store.models import Artisan, Order, OrderLine, Role, User, UserRole

PIECE_ARRIVED = N_("Good news: the buyer received order {code}: {items}.")
COUNTED_ARRIVED = N_(
    "Order {code} shipped a while ago, so we now count it as arrived. "
    "Thank you for buying handmade!"
)


def lines_delivered(
    session: Session, order: Order, line_ids: Sequence[int], by: int | None, now: datetime
) -> None:
    """Tell each artisan whose line arrived; the buyer too when she did not say it."""
    moved = [line for line in order.lines if line.id in set(line_ids)]
    for artisan_id in sorted({line.artisan_id for line in moved}):
        artisan = session.get(Artisan, artisan_id)
        if artisan is None:
            continue
        hers = [line for line in moved if line.artisan_id == artisan_id]
        user = session.get_one(User, artisan.user_id)
        text = _items_arrived(Translator(user.locale), order.code, hers)
        key = f"order:{order.id}:delivered:{hers[0].id}:{user.id}"
        outbox.notify(session, user.id, Outbound(text=text), dedupe_key=key, now=now)
    if by is None:
        buyer = session.get_one(User, order.buyer_user_id)
        told = Translator(buyer.locale)._(COUNTED_ARRIVED).format(code=order.code)
        key = f"order:{order.id}:counted-arrived:{buyer.id}"
        outbox.notify(session, buyer.id, Outbound(text=told), dedupe_key=key, now=now)


def _items_arrived(t: Translator, code: str, lines: list[OrderLine]) -> str:
    items = ", ".join(t._(ITEM).format(quantity=line.quantity, title=line.title) for line in lines)
    return t._(PIECE_ARRIVED).format(items=items, code=code)


def community_managers(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COMMUNITY_MANAGER)
            .order_by(User.id)
        )
    )
