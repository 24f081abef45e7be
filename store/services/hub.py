"""The Soko hub in Nairobi (hub mode): a community manager receives each accepted piece,
passes it (it matches its photos and the standards) or returns it with a reason, and sends
the passed pieces of one order together in a parcel whose carrier and tracking number she
records once.

Line ids come from chat buttons and order codes from what she types: both are checked, never
trusted. Repeating a step that already happened (a double tap) returns the line unchanged
and publishes nothing again.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import events
from store.errors import NotFound, StoreError
from store.models import LineStatus, Order, OrderLine, OrderStatus, Parcel
from store.services import permissions
from store.services.audit import Actor
from store.services.order_events import LinesPassed
from store.services.order_status import check_line, check_order
from store.services.orders import ORDER_CODE_LENGTH, ORDER_CODE_PREFIX, lock_order
from store.text import clean_display
from store.tracking import CARRIER_MAX, NUMBER_MAX, clean_carrier, clean_number

REASON_MAX = 500
# Lines a manager may receive: accepted by the artisan (or packed), or given back and brought
# again.
RECEIVABLE = frozenset({LineStatus.ACCEPTED, LineStatus.READY, LineStatus.RETURNED})
_GONE = frozenset({LineStatus.CANCELLED, LineStatus.REFUNDED})
_SHIPPED_OR_LATER = frozenset({LineStatus.SHIPPED, LineStatus.DELIVERED})
_CODE_SPACING = re.compile(r"[\s\-_.]+")


class ReasonNeeded(StoreError):
    def __init__(self) -> None:
        super().__init__("a returned piece needs a reason")


class InvalidTracking(StoreError):
    def __init__(self, field: str) -> None:
        super().__init__(f"invalid tracking {field}")
        self.field = field


class NothingToShip(StoreError):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"order {order_id} has no passed piece to ship")
        self.order_id = order_id


def order_by_code(session: Session, typed: str) -> Order | None:
    """The order a typed code names: any case, spaced, with or without its "SK-"."""
    as_typed = " ".join(typed.split()).upper()
    squeezed = _CODE_SPACING.sub("", as_typed)
    if not squeezed or len(squeezed) > 16:
        return None
    prefix = ORDER_CODE_PREFIX.rstrip("-")
    candidates = {as_typed, squeezed}
    if squeezed.startswith(prefix) and len(squeezed) == len(prefix) + ORDER_CODE_LENGTH:
        candidates.add(ORDER_CODE_PREFIX + squeezed[len(prefix) :])
    if len(squeezed) == ORDER_CODE_LENGTH:
        candidates.add(ORDER_CODE_PREFIX + squeezed)
    return session.scalars(select(Order).where(Order.code.in_(sorted(candidates)))).first()


def receive_at_hub(session: Session, actor: Actor, line_id: int, now: datetime) -> OrderLine:
    permissions.require_manager(session, actor, f"receive order line {line_id} at the hub")
    return _move(session, line_id, LineStatus.AT_HUB, now)


def pass_line(session: Session, actor: Actor, line_id: int, now: datetime) -> OrderLine:
    permissions.require_manager(session, actor, f"pass order line {line_id}")
    line = _line(session, line_id)
    if line.status is LineStatus.PASSED:
        return line
    line = _move(session, line_id, LineStatus.PASSED, now)
    events.publish(session, LinesPassed(line.order, (line.id,)), now, may_go_unheard=True)
    return line


def return_line(
    session: Session, actor: Actor, line_id: int, reason: str, now: datetime
) -> OrderLine:
    permissions.require_manager(session, actor, f"return order line {line_id}")
    why = clean_display(reason).strip()
    if not why or len(why) > REASON_MAX:
        raise ReasonNeeded
    line = _line(session, line_id)
    if line.status is LineStatus.RETURNED:
        return line
    line = _move(session, line_id, LineStatus.RETURNED, now)
    line.return_reason = why
    session.flush()
    return line


def ship_parcel(
    session: Session, actor: Actor, order_id: int, carrier: str, number: str, now: datetime
) -> Parcel:
    """Every passed piece of the order leaves in one parcel; the order has shipped once every
    live piece has."""
    permissions.require_manager(session, actor, f"ship order {order_id}")
    name, tracking = _tracking(carrier, number)
    order = lock_order(session, order_id)
    passed = [line for line in order.lines if line.status is LineStatus.PASSED]
    if not passed:
        raise NothingToShip(order_id)
    parcel = record_parcel(session, order, name, tracking, actor.user_id or 0, now)
    for line in passed:
        check_line(line.status, LineStatus.SHIPPED)
        line.status = LineStatus.SHIPPED
        line.parcel_id = parcel.id
        line.updated_at = now
    mark_order_shipped_if_complete(order)
    session.flush()
    return parcel


def record_parcel(
    session: Session, order: Order, carrier: str, number: str, user_id: int, now: datetime
) -> Parcel:
    parcel = Parcel(
        order_id=order.id,
        carrier=carrier,
        tracking_number=number,
        shipped_at=now,
        recorded_by_user_id=user_id,
    )
    session.add(parcel)
    session.flush()
    return parcel


def checked_tracking(carrier: str, number: str) -> tuple[str, str]:
    """The carrier's name and the number as stored; `InvalidTracking` when either is empty
    or too long."""
    return _tracking(carrier, number)


def parcels_of(session: Session, order_id: int) -> list[Parcel]:
    return list(
        session.scalars(select(Parcel).where(Parcel.order_id == order_id).order_by(Parcel.id))
    )


def mark_order_shipped_if_complete(order: Order) -> None:
    if order.status is not OrderStatus.PAID:
        return
    live = [line for line in order.lines if line.status not in _GONE]
    if live and all(line.status in _SHIPPED_OR_LATER for line in live):
        check_order(order.status, OrderStatus.SHIPPED)
        order.status = OrderStatus.SHIPPED


def _tracking(carrier: str, number: str) -> tuple[str, str]:
    name = clean_carrier(carrier)
    tracking = clean_number(number)
    if not name or len(name) > CARRIER_MAX:
        raise InvalidTracking("carrier")
    if not tracking or len(tracking) > NUMBER_MAX:
        raise InvalidTracking("number")
    return name, tracking


def _line(session: Session, line_id: int) -> OrderLine:
    line = session.get(OrderLine, line_id)
    if line is None:
        raise NotFound("order line", line_id)
    return line


def _move(session: Session, line_id: int, target: LineStatus, now: datetime) -> OrderLine:
    order = lock_order(session, _line(session, line_id).order_id)
    line = next(candidate for candidate in order.lines if candidate.id == line_id)
    if line.status == target:
        return line
    check_line(line.status, target)
    line.status = target
    line.updated_at = now
    session.flush()
    return line
