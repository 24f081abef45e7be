"""An artisan's side of an order: accept her lines, get them ready, ship them.

Only the line's own artisan may move it (the line id comes from a chat button, so it is
checked, never trusted). Repeating an action that already happened (a double tap) returns
the line unchanged. When every line still in the order has shipped, the order has shipped.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import NotFound, PermissionDenied
from store.models import Artisan, LineStatus, Order, OrderLine, OrderStatus
from store.services import hub
from store.services.order_status import check_line, check_order
from store.services.orders import lock_order

_SHIPPED_OR_LATER = frozenset({LineStatus.SHIPPED, LineStatus.DELIVERED})
_GONE = frozenset({LineStatus.CANCELLED, LineStatus.REFUNDED})


@dataclass(frozen=True, slots=True)
class ArtisanOrder:
    """One order as an artisan sees it: only her own lines."""

    order: Order
    lines: list[OrderLine]


def accept_line(session: Session, user_id: int, line_id: int, now: datetime) -> OrderLine:
    return _move(session, user_id, line_id, LineStatus.ACCEPTED, now)


def mark_line_ready(session: Session, user_id: int, line_id: int, now: datetime) -> OrderLine:
    return _move(session, user_id, line_id, LineStatus.READY, now)


def mark_line_shipped(session: Session, user_id: int, line_id: int, now: datetime) -> OrderLine:
    return _move(session, user_id, line_id, LineStatus.SHIPPED, now)


def ship_line(
    session: Session,
    user_id: int,
    line_id: int,
    now: datetime,
    *,
    tracking: tuple[str, str] | None = None,
) -> OrderLine:
    """Shipped, passing through ready when she sends an accepted piece straight away (a
    parcel on its way was ready): each move is checked as if she had made it. With
    `tracking` (carrier, number), the piece's parcel is recorded with it (direct mode)."""
    checked = hub.checked_tracking(*tracking) if tracking is not None else None
    line = session.get(OrderLine, line_id)
    if line is not None and line.status == LineStatus.ACCEPTED:
        mark_line_ready(session, user_id, line_id, now)
    was = session.get(OrderLine, line_id)
    already = was is not None and was.status in _SHIPPED_OR_LATER
    shipped = mark_line_shipped(session, user_id, line_id, now)
    if checked is not None and not already:
        parcel = hub.record_parcel(session, shipped.order, *checked, user_id, now)
        shipped.parcel_id = parcel.id
        session.flush()
    return shipped


def orders_for_artisan(
    session: Session, artisan_id: int, statuses: Collection[LineStatus]
) -> list[ArtisanOrder]:
    """Orders holding the artisan's lines in ``statuses``, oldest first (work in order)."""
    lines = session.scalars(
        select(OrderLine)
        .where(OrderLine.artisan_id == artisan_id, OrderLine.status.in_(list(statuses)))
        .order_by(OrderLine.order_id, OrderLine.id)
    ).all()
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    if not by_order:
        return []
    orders = session.scalars(select(Order).where(Order.id.in_(list(by_order)))).all()
    order_by_id = {order.id: order for order in orders}
    return [ArtisanOrder(order_by_id[order_id], mine) for order_id, mine in by_order.items()]


def _move(
    session: Session, user_id: int, line_id: int, target: LineStatus, now: datetime
) -> OrderLine:
    line = session.get(OrderLine, line_id)
    if line is None:
        raise NotFound("order line", line_id)
    artisan_id = session.scalar(select(Artisan.id).where(Artisan.user_id == user_id))
    if artisan_id is None or artisan_id != line.artisan_id:
        raise PermissionDenied(f"{target.value} order line {line_id}", user_id)
    # Lock the order first: two artisans shipping the last two lines must not both miss
    # that the order is complete.
    order = lock_order(session, line.order_id)
    line = next(candidate for candidate in order.lines if candidate.id == line_id)
    if line.status == target:
        return line
    check_line(line.status, target)
    line.status = target
    line.updated_at = now
    if target == LineStatus.SHIPPED and order.status == OrderStatus.PAID:
        live = [candidate for candidate in order.lines if candidate.status not in _GONE]
        if all(candidate.status in _SHIPPED_OR_LATER for candidate in live):
            check_order(order.status, OrderStatus.SHIPPED)
            order.status = OrderStatus.SHIPPED
    session.flush()
    return line
