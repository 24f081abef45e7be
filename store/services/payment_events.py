"""What a payment provider's events do to one order, beyond paying it (``orders.mark_paid``).

- ``align_reservation``: a provider may not hold a payment page open for exactly the order's
  reservation (Stripe Checkout: 30 minutes to 24 hours), so the order's hold follows what
  the provider allows; the order and its payment page then end together.
- ``expire_order``: the provider says the payment page expired: release this order's pieces
  now, if it is still waiting (a paid order stays paid, whatever arrives late).
- ``settle_refunded_lines``: lines refunded in full become ``refunded``, and an order whose
  every line is refunded (or cancelled) becomes ``refunded`` too. Stock is left alone: a
  refunded piece may be broken or lost; putting it back on sale is the artisan's decision.
- ``take_shipping``: the address the payment page collected when the chat did not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.models import LineStatus, Order, OrderStatus
from store.services import hub, inventory, orders
from store.services.inventory import rows_updated
from store.services.order_status import can_line, can_order
from store.services.shipping import ShippingDetails


def align_reservation(session: Session, order_id: int, until: datetime) -> Order:
    """Hold a waiting order's pieces until ``until`` (earlier or later than before)."""
    order = orders.lock_order(session, order_id)
    if order.status == OrderStatus.PENDING_PAYMENT and order.reserved_until != until:
        order.reserved_until = until
        session.flush()
    return order


def expire_order(session: Session, order_id: int, now: datetime) -> Order | None:
    """Expire one waiting order now and release its pieces; ``None`` if it was not waiting
    (already paid, cancelled or expired). Safe against a concurrent expiry job: only the
    conditional UPDATE that flips the status releases the stock."""
    order = orders.lock_order(session, order_id)
    flipped = rows_updated(
        session,
        update(Order)
        .where(Order.id == order_id, Order.status == OrderStatus.PENDING_PAYMENT)
        .values(status=OrderStatus.EXPIRED, closed_at=now),
    )
    if not flipped:
        return None
    order = orders.lock_order(session, order_id)
    live = [line for line in order.lines if line.status == LineStatus.PENDING]
    inventory.release(session, [(line.product_id, line.quantity) for line in live])
    return order


def settle_refunded_lines(
    session: Session, order: Order, refunded: Mapping[int, int], now: datetime
) -> Order:
    """Mark lines whose refunds (``refunded``: line id → minor units refunded so far) cover
    their total as refunded, and the order when nothing of it is left to deliver."""
    for line in order.lines:
        full = refunded.get(line.id, 0) >= line.line_total_minor
        if full and can_line(line.status, LineStatus.REFUNDED):
            line.status = LineStatus.REFUNDED
            line.updated_at = now
    closed = (LineStatus.REFUNDED, LineStatus.CANCELLED)
    if all(line.status in closed for line in order.lines) and can_order(
        order.status, OrderStatus.REFUNDED
    ):
        order.status = OrderStatus.REFUNDED
        order.closed_at = now
    else:  # a piece refunded instead of sent (returned at the hub): the rest may be all gone
        hub.mark_order_shipped_if_complete(order)
    session.flush()
    return order


def take_shipping(session: Session, order_id: int, details: ShippingDetails) -> Order:
    """Keep the address the payment page collected, for an order the chat sent without one."""
    order = orders.lock_order(session, order_id)
    if not order.shipping_address.strip():
        order.shipping_name = details.name
        order.shipping_address = details.address
        order.shipping_country = details.country
        session.flush()
    return order
