"""Completing a payment: the one path every provider's confirmation takes (demo, webhooks).

A provider event is recorded once (``payment_events`` is unique on provider + event id); the
first delivery marks the order paid, records the sale in the ledger and tells the artisans and
the buyer; any later delivery of the same event finds the row and does nothing more. Two
deliveries racing each other meet on the unique key inside a savepoint: one wins, the other
sees a duplicate.

Money for an order that can no longer take it (expired and sold since, cancelled, paid with
another reference) is recorded and handed back as ``refund_due``: the caller refunds it.

A paid order the buyer cancels (the store's ``PaidOrderCancelled`` event, handled here in her
unit of work: ``bot/domain_events.py`` subscribes it) has its sale reversed in the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments.events import OrderPaid
from store import events
from store.errors import NotFound
from store.models import LedgerTransaction, Order, OrderStatus, PaymentEvent
from store.money import Money
from store.payment_port import CompletionResult
from store.savepoints import add_unless_taken
from store.services import ledger, orders
from store.services.order_events import PaidOrderCancelled
from store.services.orders import PaymentForClosedOrder, PaymentRefConflict

_PAID = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})
CANCEL_REFUND_KEY = "cancelled"


def complete_payment(
    session: Session,
    *,
    provider: str,
    event_id: str,
    event_type: str,
    payment_ref: str,
    now: datetime,
    order_code: str | None = None,
    order_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> CompletionResult:
    """Apply a provider's "paid" event to its order, once. Raises ``NotFound`` for an order
    nobody placed (nothing is recorded then: the event may be for another shop)."""
    order = _find_order(session, order_code, order_id)
    event = PaymentEvent(
        provider=provider,
        event_id=event_id,
        event_type=event_type,
        order_id=order.id,
        payload=dict(payload or {}),
        received_at=now,
    )
    if not add_unless_taken(session, event):
        return CompletionResult(order, newly_paid=False, duplicate=True)

    order = orders.lock_order(session, order.id)
    was_paid = order.status in _PAID and order.payment_ref == payment_ref
    try:
        order = orders.mark_paid(session, order.id, provider, payment_ref, now)
    except (PaymentForClosedOrder, PaymentRefConflict):
        event.processed_at = now
        session.flush()
        return CompletionResult(order, newly_paid=False, refund_due=True)
    ledger.record_sale(session, order)
    if not was_paid:
        events.publish(session, OrderPaid(order), now)
    event.processed_at = now
    session.flush()
    return CompletionResult(order, newly_paid=not was_paid)


def on_paid_order_cancelled(session: Session, event: PaidOrderCancelled, now: datetime) -> None:
    """A buyer called off a paid order (a domain event, in her unit of work): the sale is
    reversed in the ledger at once; sending the money back is the provider's (for Stripe,
    the scheduler's ``queue_due_refunds`` writes the request)."""
    refund_cancelled_order(session, event.order)


def refund_cancelled_order(session: Session, order: Order) -> Money:
    """Reverse the sale of a paid order the buyer cancelled, line by line, in the ledger, and
    its shipping fee; returns what the buyer is owed. Idempotent. (Sending the money back is
    the provider's.)"""
    if ledger.sale_key(order.id) not in _posted_keys(session, order.id):
        return Money.zero(order.currency)
    refunded = Money.zero(order.currency)
    for line in order.lines:
        owed = Money(line.line_total_minor, order.currency) - ledger.refunded_on_line(session, line)
        if owed.amount > 0:
            ledger.record_refund(session, line, owed, CANCEL_REFUND_KEY)
        refunded += Money(line.line_total_minor, order.currency)
    return refunded + ledger.record_shipping_refund(session, order, CANCEL_REFUND_KEY)


def _posted_keys(session: Session, order_id: int) -> set[str]:
    return set(
        session.scalars(
            select(LedgerTransaction.idempotency_key).where(LedgerTransaction.order_id == order_id)
        )
    )


def _find_order(session: Session, order_code: str | None, order_id: int | None) -> Order:
    if order_id is not None:
        return orders.get_order(session, order_id)
    if order_code is None:
        raise ValueError("complete_payment needs an order_code or an order_id")
    order = session.scalar(select(Order).where(Order.code == order_code))
    if order is None:
        raise NotFound("order", order_code)
    return order
