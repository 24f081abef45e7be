"""Refunds: the ledger reversal and the money going back, never one without the other.

A refund is first written down as a **refund request** (a ``payment_events`` row,
``refund:<order code>:<key>``) in the same transaction as its balanced ledger reversal
(``ledger.record_refund`` per line, under the same key), together with the *effect* that
sends it (``store/services/effects.py``): Stripe is called after the commit, outside any
transaction, and the refund it made is recorded on the request by the effect's result
handler in a unit of work of its own (``record_sent``). Sending is idempotent by
construction: the request's event id is the effect's key, Stripe's idempotency key, and
travels in the refund's metadata, so a retry, a crash or a failed commit after Stripe
answered (the effect runs again; Stripe returns the same refund), or the ``charge.refunded``
webhook coming back for our own refund all end with one refund and one reversal.

Keys carry what was refunded before (``line9-0-500``, ``order-1500``): repeating the same
operation (a retry) reuses the key, a deliberate second refund gets a new one.

The order's shipping fee goes back with the refund that leaves every line refunded in full
(a whole-order refund, a cancellation, or the last line's rest); a partial refund keeps it.

A refund after the artisan was paid out leaves her balance negative: the platform carries it
and her next sales settle it (``owed_to_artisans`` lists only positive balances).

``queue_due_refunds`` (the scheduler, reconcile) picks up paid Stripe orders the buyer
cancelled in the chat (the buyer flow writes the ledger reversal under ``cancelled``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments.completion import CANCEL_REFUND_KEY
from payments.events import RefundRefused, RefundSent
from store import events
from store.effect_runner import RESULT_NOT_RECORDED
from store.errors import NotFound, StoreError
from store.models import (
    Effect,
    EffectStatus,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderStatus,
    PaymentEvent,
)
from store.money import Money
from store.savepoints import add_unless_taken
from store.services import effects, ledger, orders, payment_events
from store.services.effects import Claimed
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
REFUND_REQUEST = "soko.refund_request"
REFUND_EFFECT = "stripe.refund"  # the effect that sends a request's money back
_REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


class Refusal(StrEnum):
    """Why a refund did not go through, in a word a person may read (never the provider's
    message): it said no, it never answered however often asked, or its answer could not
    be written down (it may have made the refund: look before trying again)."""

    REFUSED = "refused"
    UNANSWERED = "unanswered"
    UNRECORDED = "unrecorded"


REFUSAL_REASONS = frozenset(Refusal)


@dataclass(frozen=True)
class Requested:
    """A refund request written down: its amount and id (the effect's key)."""

    amount: Money
    request_id: str


class Outcome(StrEnum):
    SENT = "sent"  # the provider made it
    PENDING = "pending"  # being sent, or due again after a failure worth another try
    REFUSED = "refused"  # refused for good: a person must look (or retry)


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
    shipping = _shipping_back(session, order, key) if lines else 0
    total = amount_minor if amount_minor is not None else sum(lines.values()) + shipping
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
            "shipping_minor": shipping,
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
    send_later(session, row, now)
    return row


def _shipping_back(session: Session, order: Order, key: str) -> int:
    """The shipping fee that goes back with this refund: all of it with the refund that
    leaves every line refunded in full (a partial refund keeps it), once per order."""
    emptied = all(
        ledger.refunded_on_line(session, line).amount >= line.line_total_minor
        for line in order.lines
    )
    return ledger.record_shipping_refund(session, order, key).amount if emptied else 0


def send_later(session: Session, row: PaymentEvent, now: datetime) -> None:
    """Record the effect that sends a refund request's money back after the commit. Its key
    is the request's id, Stripe's idempotency key and the refund's ``soko_refund``
    metadata: one request, one refund, however often it runs."""
    data = row.payload
    lines = ",".join(f"{line_id}:{amount}" for line_id, amount in data["lines"].items())
    effects.record(
        session,
        REFUND_EFFECT,
        row.event_id,
        {
            "payment_ref": data["payment_ref"],
            "amount_minor": int(data["amount_minor"]),
            "metadata": {"soko_refund": row.event_id, "soko_key": data["key"], "soko_lines": lines},
        },
        now,
    )


def send_refund(gateway: RefundGateway, claimed: Claimed) -> dict[str, str]:
    """Run a refund effect (outside any transaction): ask Stripe for the refund, under the
    request's id as idempotency key."""
    data = claimed.payload
    refund_id = gateway.refund(
        str(data["payment_ref"]), int(data["amount_minor"]), claimed.key, data["metadata"]
    )
    return {"refund_id": refund_id}


def record_sent(session: Session, event_id: str, refund_id: str, now: datetime) -> bool:
    """A refund Stripe made (the effect's result, in its own unit of work): the request is
    marked sent with the refund's id and the buyer told, once. False when it was already."""
    row = find_request(session, event_id)
    if row is None or row.processed_at is not None:
        return False
    row.payload = {**row.payload, "refund_id": refund_id}
    row.processed_at = now
    order = session.get(Order, row.order_id) if row.order_id is not None else None
    if order is not None:
        amount = Money(int(row.payload["amount_minor"]), row.payload["currency"])
        events.publish(session, RefundSent(order, amount, row.event_id), now)
    session.flush()
    return True


def refund_order(session: Session, order: Order, reason: str, now: datetime) -> Requested:
    """Refund everything not yet refunded on a paid order (a community manager's decision):
    ledger reversal, lines and order marked refunded, and the Stripe refund as an effect
    (sent after the commit). Returns the request (its amount and id)."""
    order = _refundable(session, order)
    owed = {line.id: _refundable_on(session, line.id, order) for line in order.lines}
    before = sum(ledger.refunded_on_line(session, line).amount for line in order.lines)
    return _refund(session, order, owed, f"order-{before}", reason, now)


def refund_line(
    session: Session,
    order: Order,
    line_id: int,
    amount: Money | None,
    reason: str,
    now: datetime,
) -> Requested:
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
    return _refund(session, order, {line.id: wanted}, key, reason, now)


def _refund(
    session: Session,
    order: Order,
    lines: Mapping[int, int],
    key: str,
    reason: str,
    now: datetime,
) -> Requested:
    if sum(lines.values()) <= 0:
        raise NotRefundable(order.code, "already refunded in full")
    row = request_refund(session, order, lines, key, reason, now)
    settle(session, order, now)
    return _requested(row)


def _requested(row: PaymentEvent) -> Requested:
    return Requested(Money(int(row.payload["amount_minor"]), row.payload["currency"]), row.event_id)


def settle(session: Session, order: Order, now: datetime) -> Order:
    """Lines refunded in full (and then the order) move to ``refunded``."""
    refunded = {line.id: ledger.refunded_on_line(session, line).amount for line in order.lines}
    return payment_events.settle_refunded_lines(session, order, refunded, now)


def queue_due_refunds(uow_factory: UnitOfWorkFactory, now: datetime) -> int:
    """Write the refund requests of paid orders cancelled in the chat, and the effect of any
    request that has none yet (written before effects existed). The effect runner sends
    them. Returns how many were queued."""
    with uow_factory() as uow:
        queued = request_cancellation_refunds(uow.session, now)
        unsent = uow.session.scalars(
            select(PaymentEvent)
            .where(
                PaymentEvent.provider == PROVIDER,
                PaymentEvent.event_type == REFUND_REQUEST,
                PaymentEvent.processed_at.is_(None),
                ~select(Effect.id).where(Effect.key == PaymentEvent.event_id).exists(),
            )
            .order_by(PaymentEvent.id)
        ).all()
        for row in unsent:
            send_later(uow.session, row, now)
        uow.commit()
    return queued + len(unsent)


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


@dataclass(frozen=True)
class RefusedRequest:
    request_id: str
    amount: Money
    error: str  # the provider's error, for the operator's terminal only


def refused_requests(session: Session, order: Order) -> list[RefusedRequest]:
    """The order's refunds the provider refused for good (their effects failed) and nobody
    retried yet: the ledger holds their reversal, the money did not go back; a person must
    look (`retry_refused`)."""
    rows = session.execute(
        select(PaymentEvent, Effect.error)
        .join(Effect, Effect.key == PaymentEvent.event_id)
        .where(
            PaymentEvent.order_id == order.id,
            PaymentEvent.event_type == REFUND_REQUEST,
            PaymentEvent.processed_at.is_(None),
            Effect.kind == REFUND_EFFECT,
            Effect.status == EffectStatus.FAILED,
        )
        .order_by(PaymentEvent.id)
    ).all()
    return [
        RefusedRequest(row.event_id, _requested(row).amount, error)
        for row, error in rows
        if "retried_by" not in row.payload
    ]


def orders_with_refused_refunds(session: Session) -> list[str]:
    """The codes of the orders with a refund refused for good that nobody retried yet."""
    rows = session.execute(
        select(Order.code, PaymentEvent.payload)
        .join(PaymentEvent, PaymentEvent.order_id == Order.id)
        .join(Effect, Effect.key == PaymentEvent.event_id)
        .where(
            PaymentEvent.event_type == REFUND_REQUEST,
            PaymentEvent.processed_at.is_(None),
            Effect.kind == REFUND_EFFECT,
            Effect.status == EffectStatus.FAILED,
        )
        .order_by(PaymentEvent.id)
    ).all()
    return list(dict.fromkeys(code for code, payload in rows if "retried_by" not in payload))


def latest_refusal_since(session: Session, since: datetime) -> tuple[Order, Money, str] | None:
    """The latest refund refused for good after `since` that still waits for a person: its
    order, amount and reason (`Refusal`). None when there is none."""
    rows = session.execute(
        select(PaymentEvent, Order)
        .join(Order, Order.id == PaymentEvent.order_id)
        .join(Effect, Effect.key == PaymentEvent.event_id)
        .where(
            PaymentEvent.event_type == REFUND_REQUEST,
            PaymentEvent.processed_at.is_(None),
            Effect.kind == REFUND_EFFECT,
            Effect.status == EffectStatus.FAILED,
            Effect.done_at > since,
        )
        .order_by(Effect.done_at.desc(), Effect.id.desc())
    ).all()
    for row, order in rows:
        if "retried_by" not in row.payload:
            reason = str(row.payload.get("refused", Refusal.REFUSED.value))
            return order, _requested(row).amount, reason
    return None


def outcome(session: Session, request_id: str) -> Outcome:
    """Where one refund request stands."""
    row = find_request(session, request_id)
    if row is None:
        raise NotFound("refund request", request_id)
    if row.processed_at is not None:
        return Outcome.SENT
    effect = effects.find(session, request_id)
    if effect is not None and effect.status == EffectStatus.FAILED:
        return Outcome.REFUSED
    return Outcome.PENDING


def refusal_of(error: str, transient: bool) -> Refusal:
    """The reason a person reads for an effect's last error (`error` as the effect runner
    wrote it; `transient`: it was worth another try, and the tries ran out)."""
    if error.startswith(RESULT_NOT_RECORDED):
        return Refusal.UNRECORDED
    return Refusal.UNANSWERED if transient else Refusal.REFUSED


def record_refused(session: Session, request_id: str, reason: Refusal, now: datetime) -> bool:
    """A refund the provider will not make (the effect failed for good; in its unit of
    work): noted on the request and published (`RefundRefused`: community managers are
    told, and how to try again). False when the request is unknown or was sent after all."""
    row = find_request(session, request_id)
    if row is None or row.processed_at is not None:
        return False
    row.payload = {**row.payload, "refused": reason.value}
    order = session.get(Order, row.order_id) if row.order_id is not None else None
    if order is not None:
        amount = _requested(row).amount
        events.publish(session, RefundRefused(order, amount, request_id, reason.value), now)
    session.flush()
    return True


class RetryRefused(RefundError):
    """Nothing to retry, or a retry is not safe now (the message says which)."""


def retry_refused(session: Session, order: Order, now: datetime) -> list[Requested]:
    """Ask again for the refunds of `order` the provider refused for good, each as a fresh
    request (a new key: the provider keeps its refusal under the old one) for the same
    amount and payment. The ledger is not touched: it holds the reversal since the first
    request. Refused when nothing was refused, when a refund of the order is still being
    sent (a retry already asked for), or when the provider may have made the refund after
    all (its answer could not be recorded: reconcile first)."""
    order = orders.lock_order(session, order.id)  # two retries at once: one waits, then sees
    if order.payment_provider != PROVIDER:
        raise NotRefundable(order.code, f"paid with {order.payment_provider or 'nothing'}")
    pending = [
        row
        for row in _unsent(session, order.id)
        if outcome(session, row.event_id) is Outcome.PENDING
    ]
    if pending:
        amounts = ", ".join(str(_requested(row).amount.to_decimal()) for row in pending)
        raise RetryRefused(
            f"a refund of order {order.code} is still being sent ({amounts} {order.currency}):"
            " wait for the provider's answer"
        )
    refused = refused_requests(session, order)
    if not refused:
        raise RetryRefused(f"order {order.code} has no refused refund to try again")
    unsure = [r for r in refused if _refusal(session, r.request_id) is Refusal.UNRECORDED]
    if unsure:
        raise RetryRefused(
            f"the refund {unsure[0].request_id} may have been made: its answer was not"
            " recorded. Run `soko admin reconcile` first, then check the provider's dashboard"
        )
    return [_again(session, order, r.request_id, now) for r in refused]


def _refusal(session: Session, request_id: str) -> Refusal | None:
    row = find_request(session, request_id)
    reason = row.payload.get("refused") if row is not None else None
    return Refusal(reason) if reason in REFUSAL_REASONS else None


def _again(session: Session, order: Order, old_id: str, now: datetime) -> Requested:
    old = find_request(session, old_id)
    assert old is not None  # listed just now, under the order's lock
    attempt = int(old.payload.get("retry", 0)) + 1
    original = str(old.payload.get("retry_of", old_id))
    key = f"{str(old.payload['key']).split('-retry', 1)[0]}-retry{attempt}"
    carried = {k: v for k, v in old.payload.items() if k not in ("refused", "retried_by")}
    row = PaymentEvent(
        provider=PROVIDER,
        event_id=request_id(order.code, key),
        event_type=REFUND_REQUEST,
        order_id=order.id,
        payload={**carried, "key": key, "retry": attempt, "retry_of": original},
        received_at=now,
    )
    if not add_unless_taken(session, row):
        raise RetryRefused(f"the refund {row.event_id} was asked for already")
    old.payload = {**old.payload, "retried_by": row.event_id}
    send_later(session, row, now)
    return _requested(row)


def _unsent(session: Session, order_id: int) -> list[PaymentEvent]:
    return list(
        session.scalars(
            select(PaymentEvent)
            .where(
                PaymentEvent.order_id == order_id,
                PaymentEvent.event_type == REFUND_REQUEST,
                PaymentEvent.processed_at.is_(None),
            )
            .order_by(PaymentEvent.id)
        )
    )


def unsent_requests(session: Session, order_id: int) -> int:
    """How many of an order's refund requests Stripe has not made yet."""
    return len(
        session.scalars(
            select(PaymentEvent.id).where(
                PaymentEvent.order_id == order_id,
                PaymentEvent.event_type == REFUND_REQUEST,
                PaymentEvent.processed_at.is_(None),
            )
        ).all()
    )


def find_request(session: Session, event_id: str) -> PaymentEvent | None:
    return session.scalar(
        select(PaymentEvent).where(
            PaymentEvent.provider == PROVIDER, PaymentEvent.event_id == event_id
        )
    )
