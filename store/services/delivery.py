"""Delivered: the buyer says her parcel arrived, or the shop decides it did once the
destination's time has passed since shipping. Every shipped line of the order moves at once;
the order is delivered when every line still in it is. Repeating it moves nothing.

When a line shipped is its `updated_at` while it is shipped: nothing else moves a shipped
line but delivery and a refund.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import events
from store.errors import PermissionDenied
from store.models import LineStatus, Order, OrderCase, OrderLine, OrderStatus
from store.services.order_events import LinesDelivered
from store.services.order_status import check_line, check_order
from store.services.orders import lock_order

_GONE = frozenset({LineStatus.CANCELLED, LineStatus.REFUNDED})
_ON_ITS_WAY = (OrderStatus.PAID, OrderStatus.SHIPPED)

# How long after shipping a parcel to `country` counts as arrived: a function of the
# destination's ISO code (the setting, or the zone's days once zones exist).
DeliveredAfter = Callable[[str], timedelta]


def mark_delivered(
    session: Session, order_id: int, now: datetime, *, by: int | None
) -> list[OrderLine]:
    """Every shipped line of the order delivered; the lines moved (none the second time).

    `by` is the buyer confirming (re-checked: only the order's buyer may), or None for the
    shop itself (the auto-delivery job).
    """
    order = lock_order(session, order_id)
    if by is not None and by != order.buyer_user_id:
        raise PermissionDenied(f"confirm delivery of order {order_id}", by)
    moved = [line for line in order.lines if line.status == LineStatus.SHIPPED]
    for line in moved:
        check_line(line.status, LineStatus.DELIVERED)
        line.status = LineStatus.DELIVERED
        line.updated_at = now
    live = [line for line in order.lines if line.status not in _GONE]
    if (
        moved
        and order.status == OrderStatus.SHIPPED
        and all(line.status == LineStatus.DELIVERED for line in live)
    ):
        check_order(order.status, OrderStatus.DELIVERED)
        order.status = OrderStatus.DELIVERED
    if moved:
        session.flush()
        events.publish(session, LinesDelivered(order, tuple(line.id for line in moved), by), now)
    return moved


def shipped_orders(session: Session, buyer_user_id: int) -> list[Order]:
    """Her orders with a parcel on its way to her (a shipped line), oldest first."""
    return list(
        session.scalars(
            select(Order)
            .where(
                Order.buyer_user_id == buyer_user_id,
                Order.status.in_(_ON_ITS_WAY),
                Order.id.in_(
                    select(OrderLine.order_id).where(OrderLine.status == LineStatus.SHIPPED)
                ),
            )
            .order_by(Order.id)
        )
    )


# An open case (`store/services/cases.py`) holds the order until a manager closes it.
_WITH_OPEN_CASE = select(OrderCase.open_order_id).where(OrderCase.open_order_id.is_not(None))


def due_for_delivery(session: Session, now: datetime, after: DeliveredAfter) -> list[int]:
    """Orders whose last shipped line left longer ago than their destination's time, and
    with no open case."""
    rows = session.execute(
        select(Order.id, Order.shipping_country, func.max(OrderLine.updated_at))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.in_(_ON_ITS_WAY), OrderLine.status == LineStatus.SHIPPED)
        .where(Order.id.not_in(_WITH_OPEN_CASE))
        .group_by(Order.id, Order.shipping_country)
        .order_by(Order.id)
    ).all()
    return [
        order_id for order_id, country, shipped in rows if _aware(shipped) + after(country) <= now
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite hands an aggregate back without its zone; every time stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
