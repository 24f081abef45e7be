"""Refunds: the ledger reversal and the money going back, never one without the other.

A refund is first written down as a **refund request** (a ``payment_events`` row,
``refund:<order code>:<key>``) in the same transaction as its balanced ledger reversal
(``ledger.record_refund`` per line, under the same key). Sending it to Stripe is then
idempotent by construction: the request's event id is Stripe's idempotency key and travels
in the refund's metadata, so a retry, a crash after Stripe answered, or the ``charge.refunded``
webhook coming back for our own refund all end with one refund and one reversal.

Keys carry what was refunded before (``line9-0-500``, ``order-1500``): repeating the same
operation (a retry) reuses the key, a deliberate second refund gets a new one.

A refund after the artisan was paid out leaves her balance negative: the platform carries it
and her next sales settle it (``owed_to_artisans`` lists only positive balances).

Requests written elsewhere are sent by ``issue_due_refunds`` (reconcile, and the webhook
after a payment that could not be taken); it also picks up paid Stripe orders the buyer
cancelled in the chat (the buyer flow writes the ledger reversal under ``cancelled``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.notify import payments as payment_notices
from payments.completion import CANCEL_REFUND_KEY
from store.errors import NotFound, StoreError
from store.models import LedgerEntry, LedgerTransaction, Order, OrderStatus, PaymentEvent
from store.money import Money
from store.savepoints import add_unless_taken
from store.services import ledger, orders, payment_events
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
REFUND_REQUEST = "soko.refund_request"
_REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


class RefundGateway(Protocol):
    def refund(
        self, payment_ref: str, amount_minor: int, idempotency_key: str, metadata: Mapping[str, str]
    ) -> str: ...


class RefundError(StoreError):
    """Root of the refund refusals."""


class NotRefundable(RefundError):
    def __init__(self, order_code: str, reason: str) -> None:
        super().__init__(f"order {order_code} cannot be refunded: {reason}")
        self.order_code = order_code
        self.reason = reason


def request_id(order_code: str, key: str) -> str:
    return f"refund:{order_code}:{key}"


def request_refund(
    session: Session,
    order: Order,
    lines: Mapping[int, int],
    key: str,
    reason: str,
    now: datetime,
    *,
    amount_minor: int | None = None,
    payment_ref: str | None = None,
) -> PaymentEvent:
    """Write the ledger reversal of ``lines`` (line id → minor units) and the request to send
    the money back. Without lines (a payment the order never took) only ``amount_minor`` of
    ``payment_ref`` goes back and the ledger is untouched. Idempotent per key."""
    event_id = request_id(order.code, key)
    existing = find_request(session, event_id)
    if existing is not None:
        return existing
    for line in order.lines:
        amount = lines.get(line.id, 0)
        if amount > 0:
            ledger.record_refund(session, line, Money(amount, order.currency), key)
    total = amount_minor if amount_minor is not None else sum(lines.values())
    ref = payment_ref or order.payment_ref
    if not ref or total <= 0:
        raise NotRefundable(order.code, "no payment reference or nothing to refund")
    row = PaymentEvent(
        provider=PROVIDER,
        event_id=event_id,
        event_type=REFUND_REQUEST,
        order_id=order.id,
        payload={
            "payment_ref": ref,
            "amount_minor": total,
            "currency": order.currency,
            "lines": {str(line_id): amount for line_id, amount in lines.items() if amount},
            "key": key,
            "reason": reason,
        },
        received_at=now,
    )
    if not add_unless_taken(session, row):
        known = find_request(session, event_id)
        if known is None:
            raise LookupError(f"refund request {event_id!r} clashed but is not found")
        return known
    return row


def send_refund(session: Session, gateway: RefundGateway, row: PaymentEvent, now: datetime) -> str:
    """Ask Stripe for the refund a request describes (idempotent), mark it sent, tell the
    buyer. Returns the Stripe refund id."""
    data = row.payload
    if row.processed_at is not None and data.get("refund_id"):
        return str(data["refund_id"])
    lines = ",".join(f"{line_id}:{amount}" for line_id, amount in data["lines"].items())
    refund_id = gateway.refund(
        data["payment_ref"],
        int(data["amount_minor"]),
        row.event_id,
        {"soko_refund": row.event_id, "soko_key": data["key"], "soko_lines": lines},
    )
    row.payload = {**data, "refund_id": refund_id}
    row.processed_at = now
    order = session.get(Order, row.order_id) if row.order_id is not None else None
    if order is not None:
        payment_notices.refund_sent(
            session, order, Money(int(data["amount_minor"]), data["currency"]), row.event_id, now
        )
    session.flush()
    return refund_id


def refund_order(
    session: Session, gateway: RefundGateway, order: Order, reason: str, now: datetime
) -> Money:
    """Refund everything not yet refunded on a paid order (a community manager's decision):
    ledger reversal, Stripe refund, lines and order marked refunded. Returns the amount."""
    order = _refundable(session, order)
    owed = {line.id: _refundable_on(session, line.id, order) for line in order.lines}
    before = sum(ledger.refunded_on_line(session, line).amount for line in order.lines)
    return _refund(session, gateway, order, owed, f"order-{before}", reason, now)


def refund_line(
    session: Session,
    gateway: RefundGateway,
    order: Order,
    line_id: int,
    amount: Money | None,
    reason: str,
    now: datetime,
) -> Money:
    """Refund part (``amount``, order currency) or the rest (``None``) of one line."""
    order = _refundable(session, order)
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise NotFound("order line", line_id)
    left = _refundable_on(session, line.id, order)
    wanted = left if amount is None else amount.amount
    if amount is not None and amount.currency != order.currency:
        raise NotRefundable(order.code, f"amount must be in {order.currency}")
    if wanted <= 0 or wanted > left:
        raise NotRefundable(order.code, f"line {line_id} has {left} minor units refundable")
    before = ledger.refunded_on_line(session, line).amount
    key = f"line{line.id}-{before}-{wanted}"
    return _refund(session, gateway, order, {line.id: wanted}, key, reason, now)


def _refund(
    session: Session,
    gateway: RefundGateway,
    order: Order,
    lines: Mapping[int, int],
    key: str,
    reason: str,
    now: datetime,
) -> Money:
    if sum(lines.values()) <= 0:
        raise NotRefundable(order.code, "already refunded in full")
    row = request_refund(session, order, lines, key, reason, now)
    send_refund(session, gateway, row, now)
    settle(session, order, now)
    return Money(int(row.payload["amount_minor"]), order.currency)


def settle(session: Session, order: Order, now: datetime) -> Order:
    """Lines refunded in full (and then the order) move to ``refunded``."""
    refunded = {line.id: ledger.refunded_on_line(session, line).amount for line in order.lines}
    return payment_events.settle_refunded_lines(session, order, refunded, now)


def issue_due_refunds(uow_factory: UnitOfWorkFactory, gateway: RefundGateway, now: datetime) -> int:
    """Send every refund written down but not yet sent; each in its own unit of work, so one
    failure (logged) does not hold back the others. Returns how many were sent."""
    with uow_factory() as uow:
        request_cancellation_refunds(uow.session, now)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        due = list(
            uow.session.scalars(
                select(PaymentEvent.id)
                .where(
                    PaymentEvent.provider == PROVIDER,
                    PaymentEvent.event_type == REFUND_REQUEST,
                    PaymentEvent.processed_at.is_(None),
                )
                .order_by(PaymentEvent.id)
            )
        )
    sent = 0
    for row_id in due:
        try:
            with uow_factory() as uow:
                row = uow.session.get(PaymentEvent, row_id, with_for_update=True)
                if row is not None and row.processed_at is None:
                    send_refund(uow.session, gateway, row, now)
                    sent += 1
                uow.commit()
        except Exception:
            logger.exception("refund request %s could not be sent; reconcile retries", row_id)
    return sent


def request_cancellation_refunds(session: Session, now: datetime) -> int:
    """Paid Stripe orders the buyer cancelled in the chat: the ledger already holds the
    reversal (``cancelled``); write the request that sends the money back."""
    cancelled = session.scalars(
        select(Order)
        .where(
            Order.status == OrderStatus.CANCELLED,
            Order.payment_provider == PROVIDER,
            Order.paid_at.is_not(None),
            ~select(PaymentEvent.id)
            .where(
                PaymentEvent.order_id == Order.id,
                PaymentEvent.event_type == REFUND_REQUEST,
                PaymentEvent.event_id.endswith(f":{CANCEL_REFUND_KEY}"),
            )
            .exists(),
        )
        .order_by(Order.id)
    ).all()
    written = 0
    for order in cancelled:
        lines = refunded_under_key(session, order, CANCEL_REFUND_KEY)
        if lines:
            request_refund(session, order, lines, CANCEL_REFUND_KEY, "buyer cancelled", now)
            written += 1
    return written


def refunded_under_key(session: Session, order: Order, key: str) -> dict[int, int]:
    """What the ledger gave back per line under one refund key (line id → minor units)."""
    keys = {ledger.refund_key_prefix(line.id) + key: line.id for line in order.lines}
    rows = session.execute(
        select(LedgerTransaction.idempotency_key, LedgerEntry.amount_minor)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerTransaction.order_id == order.id,
            LedgerTransaction.idempotency_key.in_(keys),
            LedgerEntry.account == ledger.provider_account(order.payment_provider),
            LedgerEntry.currency == order.currency,
        )
    )
    return {keys[tx_key]: amount for tx_key, amount in rows if amount > 0}


def _refundable(session: Session, order: Order) -> Order:
    order = orders.lock_order(session, order.id)
    if order.payment_provider != PROVIDER:
        raise NotRefundable(order.code, f"paid with {order.payment_provider or 'nothing'}")
    if order.status not in _REFUNDABLE:
        raise NotRefundable(order.code, order.status.value)
    return order


def _refundable_on(session: Session, line_id: int, order: Order) -> int:
    line = next(line for line in order.lines if line.id == line_id)
    return line.line_total_minor - ledger.refunded_on_line(session, line).amount


def sale_recorded(session: Session, order: Order) -> bool:
    found = session.scalar(
        select(LedgerTransaction.id).where(
            LedgerTransaction.idempotency_key == ledger.sale_key(order.id)
        )
    )
    return found is not None


def find_request(session: Session, event_id: str) -> PaymentEvent | None:
    return session.scalar(
        select(PaymentEvent).where(
            PaymentEvent.provider == PROVIDER, PaymentEvent.event_id == event_id
        )
    )
