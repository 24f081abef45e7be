"""Refunds owed by hand: money a provider without a refund API (Telegram invoices) took that
must go back, and that a community manager sends back herself in the provider's dashboard.

A refund owed is a ``payment_events`` row (``soko.refund_owed``, event id
``refund-owed:<charge id>``), written once per charge in the unit of work that learnt of it:
a payment that did not match its order (currency, total, payer), money for an order that
could no longer take it, or a paid order its buyer cancelled. Its payload holds the amount
and currency as the provider reported them, both charge ids, the reason and who paid.
Publishing `RefundOwed` has community managers told at once; the weekly summary lists the
ones still open (`open_refunds`).

`close_by_hand` closes an order's open refunds owed with the reference of the refund the
manager made: the sale is reversed in the ledger when it was recorded for that payment (a
cancelled order's was reversed at cancellation already; an order never paid has none), and
`RefundMadeByHand` has the person who paid told. Closing again with the same reference does
nothing more; another reference for a closed one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import events
from store.errors import StoreError
from store.models import LedgerTransaction, Order, PaymentEvent
from store.money import Money
from store.savepoints import add_unless_taken
from store.services import ledger, orders, payment_events

REFUND_OWED: Final = "soko.refund_owed"
# Providers whose payments no refund call can give back: a person refunds them by hand.
BY_HAND: Final = frozenset({"telegram"})
MANUAL_KEY: Final = "manual"  # the ledger key of a reversal written when closing one
REFERENCE_MAX: Final = 64


class Reason(StrEnum):
    """Why money is owed back (a word; people read its translation)."""

    CURRENCY = "currency"  # paid in another currency than the order's
    TOTAL = "total"  # paid another amount than the order's total
    PAYER = "payer"  # paid by someone who is not the order's buyer
    CLOSED = "closed"  # the order could no longer take it (expired and sold, paid already)
    CANCELLED = "cancelled"  # the buyer cancelled the paid order


@dataclass(frozen=True)
class Charge:
    """One payment as the provider reported it."""

    provider: str
    charge_id: str  # the provider's id of this payment (Telegram's charge id)
    provider_charge_id: str  # the payment provider's own id (what its dashboard shows)
    amount: Money


@dataclass(frozen=True)
class RefundOwed:
    """Money must go back by hand (a domain event): community managers are told, and the
    person who paid (unless she cancelled: the chat told her)."""

    order: Order
    amount: Money
    reason: str
    record_id: str  # the refund owed's event id
    payer_user_id: int | None


@dataclass(frozen=True)
class RefundMadeByHand:
    """A community manager sent money back (a domain event): the person who paid is told."""

    order: Order
    amount: Money
    reference: str
    payer_user_id: int | None  # None: who paid is not known to us (nobody to tell)


@dataclass(frozen=True)
class OpenRefund:
    order_code: str
    amount: Money
    reason: str
    received_at: datetime


@dataclass(frozen=True)
class Closed:
    """One refund owed closed by hand: its amount and what the ledger did (the sale reversed
    now, reversed before at cancellation, or never recorded for that payment)."""

    amount: Money
    reversed_now: Money | None
    reversed_before: bool
    newly: bool  # False: it was closed with this reference before; nothing was done


class CloseRefused(StoreError):
    """Nothing to close, or a reference that is not the one it was closed with."""


def event_id(charge_id: str) -> str:
    return f"refund-owed:{charge_id}"


def record(
    session: Session,
    order: Order,
    charge: Charge,
    reason: Reason,
    payer_user_id: int | None,
    now: datetime,
) -> bool:
    """Write the refund owed for `charge` (once per charge id) and publish `RefundOwed`.
    False when it was recorded before."""
    row = PaymentEvent(
        provider=charge.provider,
        event_id=event_id(charge.charge_id),
        event_type=REFUND_OWED,
        order_id=order.id,
        payload={
            "amount_minor": charge.amount.amount,
            "currency": charge.amount.currency,
            "charge_id": charge.charge_id,
            "provider_charge_id": charge.provider_charge_id,
            "reason": reason.value,
            "payer_user_id": payer_user_id,
        },
        received_at=now,
    )
    if not add_unless_taken(session, row):
        return False
    owed = RefundOwed(order, charge.amount, reason.value, row.event_id, payer_user_id)
    events.publish(session, owed, now)
    return True


def record_cancelled(session: Session, order: Order, amount: Money, now: datetime) -> bool:
    """A paid order of a provider without a refund API that its buyer cancelled: the money
    she paid (`amount`, what the ledger gave back) is owed to her by hand."""
    provider_ref = order.payment_ref or ""
    paid = next(
        (
            row
            for row in session.scalars(
                select(PaymentEvent)
                .where(
                    PaymentEvent.order_id == order.id,
                    PaymentEvent.provider == order.payment_provider,
                    PaymentEvent.event_type != REFUND_OWED,
                )
                .order_by(PaymentEvent.id)
            )
            if row.payload.get("provider_charge_id") == provider_ref
        ),
        None,
    )
    charge_id = paid.event_id if paid is not None else provider_ref or f"order-{order.code}"
    charge = Charge(order.payment_provider or "", charge_id, provider_ref, amount)
    return record(session, order, charge, Reason.CANCELLED, order.buyer_user_id, now)


def open_refunds(session: Session) -> list[OpenRefund]:
    """Every refund owed nobody closed yet, oldest first."""
    rows = session.execute(
        select(PaymentEvent, Order.code)
        .join(Order, Order.id == PaymentEvent.order_id)
        .where(PaymentEvent.event_type == REFUND_OWED, PaymentEvent.processed_at.is_(None))
        .order_by(PaymentEvent.id)
    ).all()
    return [
        OpenRefund(code, _amount(row), str(row.payload["reason"]), row.received_at)
        for row, code in rows
    ]


def close_by_hand(
    session: Session, order: Order, reference: str, manager_user_id: int, now: datetime
) -> list[Closed]:
    """Close the order's open refunds owed with `reference` (see the module)."""
    reference = reference.strip()
    if not reference or len(reference) > REFERENCE_MAX or not reference.isprintable():
        raise CloseRefused(f"the reference must be 1 to {REFERENCE_MAX} printable characters")
    order = orders.lock_order(session, order.id)
    rows = list(
        session.scalars(
            select(PaymentEvent)
            .where(PaymentEvent.order_id == order.id, PaymentEvent.event_type == REFUND_OWED)
            .order_by(PaymentEvent.id)
        )
    )
    if not rows:
        raise CloseRefused(f"order {order.code} has no refund owed")
    waiting = [row for row in rows if row.processed_at is None]
    if not waiting:
        others = sorted({str(row.payload.get("reference")) for row in rows} - {reference})
        if others:
            raise CloseRefused(
                f"the refund owed on order {order.code} was closed with {', '.join(others)}"
            )
        return [Closed(_amount(row), None, False, newly=False) for row in rows]
    return [_close(session, order, row, reference, manager_user_id, now) for row in waiting]


def _close(
    session: Session,
    order: Order,
    row: PaymentEvent,
    reference: str,
    manager_user_id: int,
    now: datetime,
) -> Closed:
    amount = _amount(row)
    reversed_now: Money | None = None
    reversed_before = False
    if _sale_of(session, order, row):
        reversed_before = row.payload["reason"] == Reason.CANCELLED.value
        reversed_now = _reverse_rest(session, order, now)
        if reversed_now.amount == 0:
            reversed_now = None
    row.processed_at = now
    row.payload = {**row.payload, "reference": reference, "closed_by": manager_user_id}
    session.flush()
    payer = row.payload.get("payer_user_id")
    events.publish(session, RefundMadeByHand(order, amount, reference, payer), now)
    return Closed(amount, reversed_now, reversed_before, newly=True)


def _sale_of(session: Session, order: Order, row: PaymentEvent) -> bool:
    """Whether the ledger holds the sale this payment made (the order was paid with it)."""
    if not order.payment_ref or order.payment_ref != row.payload.get("provider_charge_id"):
        return False
    key = ledger.sale_key(order.id)
    found = session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.idempotency_key == key)
    )
    return found is not None


def _reverse_rest(session: Session, order: Order, now: datetime) -> Money:
    """Reverse what is left of the sale, line by line; mark lines (and the order) refunded."""
    reversed_total = Money.zero(order.currency)
    for line in order.lines:
        left = line.line_total_minor - ledger.refunded_on_line(session, line).amount
        if left > 0:
            ledger.record_refund(session, line, Money(left, order.currency), MANUAL_KEY)
            reversed_total += Money(left, order.currency)
    refunded = {line.id: ledger.refunded_on_line(session, line).amount for line in order.lines}
    payment_events.settle_refunded_lines(session, order, refunded, now)
    return reversed_total


def _amount(row: PaymentEvent) -> Money:
    return Money(int(row.payload["amount_minor"]), str(row.payload["currency"]))
