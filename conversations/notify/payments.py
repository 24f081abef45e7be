"""What people are told about money moving: a payment link made after the order, a refund
sent to a buyer, a payment an order could not take (payouts: `notify/payouts.py`). Written to
the outbox on the caller's session, in the recipient's language, once per event (dedupe
key)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.messages import LinkButton, Outbound
from conversations.notify import alerts
from store.models import Order, User
from store.money import Money

REFUND_SENT = N_(
    "We have refunded {amount} for order {code}. Your bank may take 5 to 10 days to show it."
)
PAYMENT_NOT_TAKEN = N_(
    "Sorry, order {code} could not take your payment: its time ran out and the pieces "
    "were sold. We are refunding {amount}."
)
LINK_READY = N_("Your payment link for order {code} is ready.")
PAY_BUTTON = N_("Pay {amount}")
LINK_FAILED = N_(
    "Sorry, I could not prepare the payment link for order {code}. Please open My orders "
    "and choose the order to try again."
)
REFUND_TOPIC: Final = "refund"
REFUND_NOT_MADE = N_(
    "Soko alert: the refund of {amount} for order {code} did not go through: {reason}. "
    "No money went back to the buyer yet. To try again, the operator runs: "
    "soko admin refund {code} --retry"
)
REFUNDS_WAITING = N_(
    "Refunds that did not go through and wait for a person: {count} (orders {codes})."
)
REFUSALS: Final = {
    "refused": N_("the payment provider refused it"),
    "unanswered": N_("the payment provider did not answer, however often it was asked"),
    "unrecorded": N_(
        "its answer could not be written down, so it may have been made: run "
        "soko admin reconcile and check with the payment provider before trying again"
    ),
}
REFUND_OWED_TOPIC: Final = "refund-owed"
REFUND_OWED_ALERT = N_(
    "Soko alert: {amount} paid for order {code} must be sent back by hand: {reason}. "
    "Refund it in the payment provider's dashboard, then the operator runs: "
    "soko admin refund {code} --manual REFERENCE"
)
REFUNDS_OWED_WAITING = N_("Refunds to send back by hand still open: {count} (orders {codes}).")
OWED_REASONS: Final = {
    "currency": N_("it was paid in another currency than the order's"),
    "total": N_("it was paid another amount than the order's total"),
    "payer": N_("it was paid by someone who is not the order's buyer"),
    "closed": N_("the order could no longer take the payment"),
    "cancelled": N_("the buyer cancelled the paid order"),
    "manager": N_("a community manager decided to refund it"),
}
PAYMENT_OWED_BACK = N_(
    "We received {amount} for order {code} but could not take it for this order. "
    "A community manager will send it back to you, and we will tell you when it is done."
)
REFUND_MADE_BY_HAND = N_(
    "We have sent back {amount} for order {code} (reference {reference}). "
    "Your bank may take 5 to 10 days to show it."
)


def refund_sent(session: Session, order: Order, amount: Money, event: str, now: datetime) -> None:
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    text = t._(REFUND_SENT).format(amount=amount.format(t.locale), code=order.code)
    outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=f"{event}:sent", now=now)


def refund_refused(
    session: Session,
    order: Order,
    amount: Money,
    reason: str,
    waiting: Sequence[str],
    now: datetime,
) -> int:
    """Community managers told that a refund did not go through, and how to try again, at
    most once per alert window (`alerts`): a refusal inside the window waits for the next
    alert, which lists every order whose refund still waits (`waiting`: their codes).
    `reason` is a word from `REFUSALS`, never the provider's message. How many were told."""

    def render(t: Translator) -> str:
        why = t._(REFUSALS.get(reason, REFUSALS["refused"]))
        text = t._(REFUND_NOT_MADE).format(
            amount=amount.format(t.locale), code=order.code, reason=why
        )
        others = [code for code in waiting if code != order.code]
        if others:
            codes = ", ".join([order.code, *others])
            text += "\n" + t._(REFUNDS_WAITING).format(count=len(others) + 1, codes=codes)
        return text

    return alerts.alert_managers(session, REFUND_TOPIC, render, now)


def refund_owed(
    session: Session,
    code: str,
    amount: Money,
    reason: str,
    waiting: Sequence[str],
    now: datetime,
) -> int:
    """Community managers told that money must go back by hand, and how to close it once
    sent, at most once per alert window (`alerts`): one inside the window waits for the next
    alert, which lists every order with a refund owed still open (`waiting`: their codes).
    How many were told."""

    def render(t: Translator) -> str:
        why = t._(OWED_REASONS.get(reason, OWED_REASONS["closed"]))
        text = t._(REFUND_OWED_ALERT).format(amount=amount.format(t.locale), code=code, reason=why)
        others = [other for other in dict.fromkeys(waiting) if other != code]
        if others:
            codes = ", ".join([code, *others])
            text += "\n" + t._(REFUNDS_OWED_WAITING).format(count=len(others) + 1, codes=codes)
        return text

    return alerts.alert_managers(session, REFUND_OWED_TOPIC, render, now)


def payment_owed_back(
    session: Session, order: Order, amount: Money, record_id: str, payer_user_id: int, now: datetime
) -> None:
    """The person who paid told that her payment was not taken and will come back by hand."""
    payer = session.get(User, payer_user_id)
    if payer is None:
        return
    t = Translator(payer.locale)
    text = t._(PAYMENT_OWED_BACK).format(amount=amount.format(t.locale), code=order.code)
    key = f"{record_id}:told"
    outbox.notify(session, payer.id, Outbound(text=text), dedupe_key=key, now=now)


def refund_made_by_hand(
    session: Session,
    order: Order,
    amount: Money,
    reference: str,
    payer_user_id: int,
    now: datetime,
) -> None:
    """The person who paid told that a community manager sent her money back."""
    payer = session.get(User, payer_user_id)
    if payer is None:
        return
    t = Translator(payer.locale)
    text = t._(REFUND_MADE_BY_HAND).format(
        amount=amount.format(t.locale), code=order.code, reference=reference
    )
    key = f"refund-by-hand:{order.code}:{reference}:{payer.id}"
    outbox.notify(session, payer.id, Outbound(text=text), dedupe_key=key, now=now)


def payment_not_taken(
    session: Session, order: Order, amount: Money, payment_ref: str, now: datetime
) -> None:
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    text = t._(PAYMENT_NOT_TAKEN).format(code=order.code, amount=amount.format(t.locale))
    key = f"payment:{payment_ref}:not-taken"
    outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=key, now=now)


def checkout_ready(session: Session, order: Order, url: str, reference: str, now: datetime) -> None:
    """The buyer's payment link, made after her order was placed (the chat said it was
    being prepared)."""
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    amount = Money(order.total_minor, order.currency).format(t.locale)
    shown = Outbound(
        text=t._(LINK_READY).format(code=order.code),
        links=(LinkButton(t._(PAY_BUTTON).format(amount=amount), url),),
    )
    outbox.notify(session, buyer.id, shown, dedupe_key=f"checkout:{reference}:link", now=now)


def checkout_failed(session: Session, order: Order, now: datetime) -> None:
    """The payment link could not be made (the provider refused, or never answered)."""
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    text = t._(LINK_FAILED).format(code=order.code)
    key = f"checkout:{order.code}:failed:{int(now.timestamp())}"
    outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=key, now=now)
