"""Refunds owed by hand: money a provider without a refund API (Telegram invoices, M-Pesa)
took that must go back, and that a community manager sends back herself in the provider's
dashboard.

A refund owed is a ``payment_events`` row (``soko.refund_owed``, event id
``refund-owed:<charge id>``), written once per charge in the unit of work that learnt of it:
a payment that did not match its order (currency, total, payer), money for an order that
could no longer take it, or a paid order its buyer cancelled. Its payload holds the amount
and currency as the provider reported them, both charge ids, the reason and who paid.
Publishing `RefundOwed` has community managers told at once; the weekly summary lists the
ones still open (`open_refunds`).

A community manager may also decide to give back money of a paid order (a broken piece):
`record_by_manager` records a refund owed of the whole order or part of one line, the ledger
untouched until the money has gone back. A decision that leaves nothing of any line gives the
order's shipping fee back too; a partial one keeps it.

`close_by_hand` closes an order's open refund owed with the reference of the refund the
manager made: one at a time (with several open, the charge id says which; `SeveralOpen`
lists them). The sale is reversed in the ledger when it was recorded for that payment (a
cancelled order's was reversed at cancellation already; an order never paid has none), for
a manager's decision by the amount she decided, and `RefundMadeByHand` has the person who
paid told. Closing again with the same reference does nothing more; another reference for
a closed one is refused.
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
from store.models import LedgerTransaction, Order, OrderStatus, PaymentEvent
from store.money import Money
from store.savepoints import add_unless_taken
from store.services import ledger, orders, payment_events

REFUND_OWED: Final = "soko.refund_owed"
# Providers whose payments no refund call can give back: a person refunds them by hand
# (Telegram invoices; M-Pesa, from the M-Pesa org portal).
BY_HAND: Final = frozenset({"telegram", "mpesa"})
MANUAL_KEY: Final = "manual"  # the ledger key of a reversal written when closing one
REFERENCE_MAX: Final = 64


class Reason(StrEnum):
    """Why money is owed back (a word; people read its translation)."""

    CURRENCY = "currency"  # paid in another currency than the order's
    TOTAL = "total"  # paid another amount than the order's total
    PAYER = "payer"  # paid by someone who is not the order's buyer
    CLOSED = "closed"  # the order could no longer take it (expired and sold, paid already)
    CANCELLED = "cancelled"  # the buyer cancelled the paid order
    MANAGER = "manager"  # a community manager decided to give it back (a broken piece)


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


@dataclass(frozen=True)
class Recorded:
    """A refund owed a community manager decided: its amount and charge id; `newly` False
    when it was recorded before."""

    amount: Money
    charge_id: str
    newly: bool


@dataclass(frozen=True)
class OpenCharge:
    """One open refund owed of an order, as a manager picks it (`--charge`)."""

    charge_id: str
    amount: Money
    reason: str


class CloseRefused(StoreError):
    """Nothing to close, or a reference that is not the one it was closed with."""


class SeveralOpen(CloseRefused):
    """More than one refund owed is open on the order: which one was sent back?"""

    def __init__(self, order_code: str, open_charges: list[OpenCharge]) -> None:
        listed = "; ".join(
            f"{charge.charge_id} {charge.amount.to_decimal()} {charge.amount.currency}"
            f" ({charge.reason})"
            for charge in open_charges
        )
        super().__init__(
            f"order {order_code} has {len(open_charges)} refunds owed open: {listed};"
            " name the one sent back with --charge CHARGE_ID"
        )
        self.open = open_charges


class NotOwed(StoreError):
    """A manager's refund that cannot be recorded (order not paid, too much, nothing left)."""


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


_MANAGER_REFUNDABLE: Final = frozenset(
    {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
)


def record_by_manager(
    session: Session,
    order: Order,
    line_id: int | None,
    amount: Money | None,
    manager_user_id: int,
    now: datetime,
) -> Recorded:
    """A community manager's decision to give back the rest of a paid order (`line_id`
    None) or of one line (`amount` None: all of it that is left), of a provider without a
    refund API: a refund owed, reversed in the ledger when she closes it."""
    order = orders.lock_order(session, order.id)
    if order.status not in _MANAGER_REFUNDABLE or not _sale_recorded(session, order):
        raise NotOwed(f"order {order.code} cannot be refunded: {order.status.value}")
    if order.payment_provider not in BY_HAND:
        raise NotOwed(f"order {order.code} was not paid with a provider refunded by hand")
    rows = _owed_rows(session, order)
    left = _left_per_line(session, order, rows)
    if line_id is None:
        if amount is not None:
            raise NotOwed("--amount needs --line")
        lines = {line: minor for line, minor in left.items() if minor > 0}
        if not lines:
            raise NotOwed(f"order {order.code} has nothing left to refund")
    else:
        number = next((n for n, line in enumerate(order.lines, 1) if line.id == line_id), None)
        if number is None:
            raise NotOwed(f"order {order.code} has no such line")
        if amount is not None and amount.currency != order.currency:
            raise NotOwed(f"the amount must be in {order.currency}")
        wanted = left[line_id] if amount is None else amount.amount
        if wanted <= 0 or wanted > left[line_id]:
            refundable = Money(left[line_id], order.currency)
            raise NotOwed(
                f"line {number} of order {order.code} has"
                f" {refundable.to_decimal()} {order.currency} left to refund"
            )
        lines = {line_id: wanted}
    shipping = _shipping_with(session, order, rows, left, lines)
    total = Money(sum(lines.values()) + shipping, order.currency)
    charge_id = f"manager-{order.code}-{len(rows) + 1}"
    row = PaymentEvent(
        provider=order.payment_provider,
        event_id=event_id(charge_id),
        event_type=REFUND_OWED,
        order_id=order.id,
        payload={
            "amount_minor": total.amount,
            "currency": total.currency,
            "charge_id": charge_id,
            "provider_charge_id": order.payment_ref or "",
            "reason": Reason.MANAGER.value,
            "payer_user_id": order.buyer_user_id,
            "lines": {str(line): minor for line, minor in lines.items()},
            "shipping_minor": shipping,
            "decided_by": manager_user_id,
        },
        received_at=now,
    )
    if not add_unless_taken(session, row):
        return Recorded(total, charge_id, newly=False)
    owed = RefundOwed(order, total, Reason.MANAGER.value, row.event_id, order.buyer_user_id)
    events.publish(session, owed, now)
    return Recorded(total, charge_id, newly=True)


def _shipping_with(
    session: Session,
    order: Order,
    rows: list[PaymentEvent],
    left: dict[int, int],
    lines: dict[int, int],
) -> int:
    """The shipping fee owed with this decision: all of it when it gives back what is left of
    every line (a partial refund keeps it), unless given back or owed already."""
    if any(left[line] - lines.get(line, 0) > 0 for line in left):
        return 0
    if ledger.refunded_shipping(session, order).amount:
        return 0
    if any(row.processed_at is None and row.payload.get("shipping_minor") for row in rows):
        return 0
    return order.shipping_minor


def _left_per_line(session: Session, order: Order, rows: list[PaymentEvent]) -> dict[int, int]:
    """What is left to give back on each line: not refunded yet, nor owed by an open
    manager's refund."""
    left = {
        line.id: line.line_total_minor - ledger.refunded_on_line(session, line).amount
        for line in order.lines
    }
    for row in rows:
        if row.processed_at is None:
            for line, minor in _lines_of(row).items():
                left[line] = left.get(line, 0) - minor
    return left


def _lines_of(row: PaymentEvent) -> dict[int, int]:
    return {int(line): int(minor) for line, minor in (row.payload.get("lines") or {}).items()}


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
    session: Session,
    order: Order,
    reference: str,
    manager_user_id: int,
    now: datetime,
    *,
    charge_id: str | None = None,
) -> list[Closed]:
    """Close the order's open refund owed (the one of `charge_id`, needed when several are
    open) with `reference` (see the module)."""
    reference = reference.strip()
    if not reference or len(reference) > REFERENCE_MAX or not reference.isprintable():
        raise CloseRefused(f"the reference must be 1 to {REFERENCE_MAX} printable characters")
    order = orders.lock_order(session, order.id)
    rows = _owed_rows(session, order)
    if not rows:
        raise CloseRefused(f"order {order.code} has no refund owed")
    if charge_id is not None:
        rows = [row for row in rows if row.payload.get("charge_id") == charge_id.strip()]
        if not rows:
            raise CloseRefused(f"order {order.code} has no refund owed for charge {charge_id}")
    done = [
        row
        for row in rows
        if row.processed_at is not None and row.payload.get("reference") == reference
    ]
    if done:  # closed with this reference before: nothing more
        return [Closed(_amount(row), None, False, newly=False) for row in done]
    waiting = [row for row in rows if row.processed_at is None]
    if not waiting:
        others = sorted({str(row.payload.get("reference")) for row in rows})
        raise CloseRefused(
            f"the refund owed on order {order.code} was closed with {', '.join(others)}"
        )
    if len(waiting) > 1:
        listed = [
            OpenCharge(str(row.payload["charge_id"]), _amount(row), str(row.payload["reason"]))
            for row in waiting
        ]
        raise SeveralOpen(order.code, listed)
    return [_close(session, order, waiting[0], reference, manager_user_id, now)]


def _owed_rows(session: Session, order: Order) -> list[PaymentEvent]:
    return list(
        session.scalars(
            select(PaymentEvent)
            .where(PaymentEvent.order_id == order.id, PaymentEvent.event_type == REFUND_OWED)
            .order_by(PaymentEvent.id)
        )
    )


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
    if row.payload["reason"] == Reason.MANAGER.value:
        reversed_now = _reverse_lines(session, order, row, now)
    elif _sale_of(session, order, row):
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
    return _sale_recorded(session, order)


def _sale_recorded(session: Session, order: Order) -> bool:
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
    reversed_total += ledger.record_shipping_refund(session, order, MANUAL_KEY)
    refunded = {line.id: ledger.refunded_on_line(session, line).amount for line in order.lines}
    payment_events.settle_refunded_lines(session, order, refunded, now)
    return reversed_total


def _reverse_lines(session: Session, order: Order, row: PaymentEvent, now: datetime) -> Money:
    """Reverse what a manager decided to give back, line by line (as Stripe's line refunds
    do); mark lines (and the order) refunded when nothing of them is left."""
    reversed_total = Money.zero(order.currency)
    key = f"{MANUAL_KEY}:{row.payload['charge_id']}"
    for line in order.lines:
        minor = _lines_of(row).get(line.id, 0)
        if minor > 0:
            ledger.record_refund(session, line, Money(minor, order.currency), key)
            reversed_total += Money(minor, order.currency)
    if row.payload.get("shipping_minor"):
        reversed_total += ledger.record_shipping_refund(session, order, key)
    refunded = {line.id: ledger.refunded_on_line(session, line).amount for line in order.lines}
    payment_events.settle_refunded_lines(session, order, refunded, now)
    return reversed_total


def _amount(row: PaymentEvent) -> Money:
    return Money(int(row.payload["amount_minor"]), str(row.payload["currency"]))
