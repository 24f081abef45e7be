"""Stripe events, after their signature was checked: recorded once, then applied by type.

``record_event`` writes the event (unique on provider + event id) and is all the webhook
does before answering Stripe; ``process_event`` applies it afterwards in its own unit of
work. A crash in between leaves an unprocessed row that ``reconcile`` replays.

Applying is idempotent and order-proof:

- a paid session completes its order through ``complete_payment`` under the event id
  ``session:<cs id>``, so ``completed``, ``async_payment_succeeded`` and reconcile meet on
  one row: one payment, one sale, one set of notifications;
- ``expired`` after ``completed`` finds the order paid and does nothing; ``completed`` after
  ``expired`` takes the pieces again if they are there, else the money goes back (a refund
  request, sent after commit) and the buyer is told;
- a paid amount that is not the order's total is never accepted: it is refunded;
- ``charge.refunded``: our own refunds carry their request id (the ledger holds them
  already); a refund made elsewhere (the Stripe dashboard) is spread over the lines in
  proportion to what is still refundable, once per refund id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments import refunds
from payments.completion import complete_payment
from payments.events import OrderExpired, PaymentNotTaken
from payments.stripe_checkout import PROVIDER, StripePayments, checkout_event_id
from store import events
from store.errors import NotFound
from store.models import Order, OrderStatus, PaymentEvent
from store.money import Money
from store.payment_port import CompletionResult
from store.savepoints import add_unless_taken
from store.services import effects, ledger, payment_events
from store.services.effects import Claimed
from store.services.shipping import InvalidShipping, ShippingDetails
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

CHARGE_REFUNDS_EFFECT = "stripe.charge_refunds"  # listing a charge's refunds from Stripe
PAID_SESSION_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)


def record_event(session: Session, event: Mapping[str, Any], now: datetime) -> int | None:
    """Write a verified event once; its row id, or ``None`` if it was delivered before."""
    row = PaymentEvent(
        provider=PROVIDER,
        event_id=str(event["id"]),
        event_type=str(event["type"])[:64],
        payload=dict(event),
        received_at=now,
    )
    return row.id if add_unless_taken(session, row) else None


def process_event(session: Session, row_id: int, now: datetime) -> list[int]:
    """Apply a recorded event (once: a processed row is skipped). Returns the ids of the
    refund requests it wrote (their effects send them after the commit)."""
    row = session.get(PaymentEvent, row_id, with_for_update=True)
    if row is None or row.processed_at is not None:
        return []
    event = row.payload
    obj: dict[str, Any] = event["data"]["object"]
    requests: list[int] = []
    match event["type"]:
        case kind if kind in PAID_SESSION_EVENTS:
            if obj.get("payment_status") in ("paid", "no_payment_required"):
                requests += apply_paid_session(session, obj, kind, now)
        case "checkout.session.expired" | "checkout.session.async_payment_failed":
            apply_closed_session(session, obj, now)
        case "charge.refunded":
            apply_charge_refunds(session, obj, str(event["id"]), now)
        case _:
            logger.debug("stripe event %s: recorded, nothing to act on", event["type"])
    order = _order_of(session, obj)
    row.order_id = order.id if order is not None else row.order_id
    row.processed_at = now
    session.flush()
    return requests


def apply_paid_session(
    session: Session, checkout: Mapping[str, Any], event_type: str, now: datetime
) -> list[int]:
    """A session Stripe says is paid: complete its order, or give the money back."""
    order = _order_of(session, checkout)
    if order is None:
        logger.warning("paid Checkout Session %s names no order of ours", checkout.get("id"))
        return []
    payment_ref = str(checkout.get("payment_intent") or checkout["id"])
    paid = Money(int(checkout.get("amount_total") or 0), str(checkout["currency"]).upper())
    if paid != Money(order.total_minor, order.currency):
        logger.error("session %s paid %s for order %s", checkout["id"], paid, order.code)
        return [_give_back(session, order, paid, payment_ref, "amount-mismatch", now)]
    _take_shipping_address(session, order, checkout)
    result: CompletionResult = complete_payment(
        session,
        provider=PROVIDER,
        event_id=f"session:{checkout['id']}",
        event_type=event_type,
        payment_ref=payment_ref,
        now=now,
        order_id=order.id,
        payload={"session_id": checkout["id"], "amount_total": paid.amount},
    )
    if result.refund_due:
        events.publish(session, PaymentNotTaken(order, paid, payment_ref), now)
        return [_give_back(session, order, paid, payment_ref, "not-taken", now)]
    return []


def apply_closed_session(session: Session, checkout: Mapping[str, Any], now: datetime) -> None:
    """The pay page expired (or an async payment failed): release the order's pieces, if it
    is still waiting and this is the session we gave the buyer."""
    order = _order_of(session, checkout)
    if order is None:
        return
    ours = session.scalar(
        select(PaymentEvent.payload).where(
            PaymentEvent.provider == PROVIDER,
            PaymentEvent.event_id == checkout_event_id(order.code),
        )
    )
    if ours is not None and ours.get("session_id") != checkout.get("id"):
        return  # an older page of this order; the current one still runs
    expired = payment_events.expire_order(session, order.id, now)
    if expired is not None:
        events.publish(session, OrderExpired(expired), now)


def apply_charge_refunds(
    session: Session, charge: Mapping[str, Any], event_id: str, now: datetime
) -> None:
    """A charge with refunds: each one the ledger does not hold yet is recorded. When the
    event does not list them (newer API versions), listing them from Stripe is an effect
    (``CHARGE_REFUNDS_EFFECT``) whose result comes back to ``apply_listed_refunds``."""
    order = session.scalar(select(Order).where(Order.payment_ref == charge.get("payment_intent")))
    if order is None:
        return  # a payment the order never took: its refund is outside the ledger
    listed = (charge.get("refunds") or {}).get("data")
    if listed is None:
        effects.record(
            session,
            CHARGE_REFUNDS_EFFECT,
            f"charge-refunds-{event_id}",
            {"charge_id": str(charge["id"]), "order_id": order.id},
            now,
        )
        return
    apply_listed_refunds(session, order, listed, now)


def list_charge_refunds(payments: StripePayments, claimed: Claimed) -> dict[str, Any]:
    """Run a listing effect (outside any transaction)."""
    return {"refunds": payments.refunds_of_charge(str(claimed.payload["charge_id"]))}


def apply_listed_refunds(
    session: Session, order: Order, found: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    for refund in found:
        if refund.get("status") in ("succeeded", "pending"):
            _apply_refund(session, order, refund, now)
    refunds.settle(session, order, now)


def record_listed_refunds(
    session: Session, order_id: int, result: Mapping[str, Any], now: datetime
) -> None:
    """A listing effect's result, in its own unit of work."""
    order = session.get(Order, order_id)
    if order is not None:
        apply_listed_refunds(session, order, result["refunds"], now)


def _apply_refund(session: Session, order: Order, refund: Mapping[str, Any], now: datetime) -> None:
    metadata = refund.get("metadata") or {}
    request = metadata.get("soko_refund")
    if request:
        # Stripe told us before the refund's effect recorded it (or it never could): now.
        refunds.record_sent(session, str(request), str(refund["id"]), now)
        return  # the ledger reversal was written with the request
    marker = PaymentEvent(
        provider=PROVIDER,
        event_id=f"refund-applied:{refund['id']}",
        event_type="soko.refund_applied",
        order_id=order.id,
        payload={"refund_id": refund["id"], "amount": refund["amount"]},
        received_at=now,
        processed_at=now,
    )
    if not add_unless_taken(session, marker):
        return  # this refund is in the ledger already
    if not refunds.sale_recorded(session, order):
        return
    left = {
        line.id: line.line_total_minor - ledger.refunded_on_line(session, line).amount
        for line in order.lines
    }
    total_left = sum(left.values())
    amount = min(int(refund["amount"]), total_left)
    if amount <= 0:
        return
    ids = [line_id for line_id, value in left.items() if value > 0]
    shares = Money(amount, order.currency).allocate([left[line_id] for line_id in ids])
    for line in order.lines:
        if line.id in ids:
            share = shares[ids.index(line.id)]
            if share.amount > 0:
                ledger.record_refund(session, line, share, f"stripe-{refund['id']}")


def _give_back(
    session: Session, order: Order, paid: Money, payment_ref: str, why: str, now: datetime
) -> int:
    row = refunds.request_refund(
        session,
        order,
        {},
        f"{why}-{payment_ref}",
        why,
        now,
        amount_minor=paid.amount,
        payment_ref=payment_ref,
    )
    return row.id


def _take_shipping_address(session: Session, order: Order, checkout: Mapping[str, Any]) -> None:
    """When Stripe collected the address (the chat did not), keep it on the order."""
    if order.shipping_address.strip() or order.status != OrderStatus.PENDING_PAYMENT:
        return
    collected = checkout.get("collected_information") or {}
    details = collected.get("shipping_details") or checkout.get("shipping_details")
    if not details:
        return
    address = details.get("address") or {}
    text = ", ".join(
        str(address[part])
        for part in ("line1", "line2", "postal_code", "city", "state")
        if address.get(part)
    )
    try:
        given = ShippingDetails(
            str(details.get("name") or ""), text, str(address.get("country") or "")
        )
    except InvalidShipping:
        logger.warning("order %s: Stripe sent an unusable shipping address", order.code)
        return
    payment_events.take_shipping(session, order.id, given)


def _order_of(session: Session, obj: Mapping[str, Any]) -> Order | None:
    if obj.get("object") != "checkout.session":
        return None
    metadata = obj.get("metadata") or {}
    code = metadata.get("order_code") or obj.get("client_reference_id")
    if not code:
        return None
    order = session.scalar(select(Order).where(Order.code == str(code)))
    if order is None:
        return None
    if metadata.get("order_id") and str(order.id) != str(metadata["order_id"]):
        raise NotFound("order", str(code))  # a code reused by another shop's database
    return order


def handle_recorded(uow_factory: UnitOfWorkFactory, row_id: int, now: datetime) -> None:
    """Apply a recorded event in its own unit of work. The refunds it asks for are effects,
    sent after the commit (never for a change that rolled back)."""
    with uow_factory() as uow:
        process_event(uow.session, row_id, now)
        uow.commit()
