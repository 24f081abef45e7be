"""What becomes of an STK push: Daraja's answer to sending it, its callback, its query.

Daraja signs nothing, so a callback is a claim, not a payment: it is recorded once on its
push (`record_callback`: the push must be one we sent and still open; unique on
CheckoutRequestID and receipt, so ten deliveries of it are one), and an STK query is queued
(an effect, after the commit). Only the query's answer moves the order (`apply_query`):
- paid, for the order's total in KES, from the number prompted (when the callback said one):
  the order is paid through `payments.completion` (ledger sale, OrderPaid notices), once;
- paid, but not the order's amount, currency or number: not paid; recorded as a refund owed
  by hand (`store.services.refunds_owed`: managers and the payer are told);
- refused (1032 cancelled, 1037 timed out, 1 not enough money, 2001 wrong PIN, others):
  failed, and `PhonePaymentFailed` tells the buyer why and offers to try again;
- still being processed: nothing yet. A callback the query does not confirm is set aside
  (a genuine one comes again or the query job finds the result).

A paid callback for a push already failed (timed out by its query, or given up as lost) is
asked about too: M-Pesa confirming it, the order is paid if it still can be, else the money
is recorded as owed back by hand; not confirming it, managers are told.

Pushes whose callback never comes are queried by the scheduler (`queue_due_queries`): each
push sent more than `QUERY_AFTER` ago, at most once per `QUERY_EVERY`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from payments.completion import complete_payment
from payments.events import (
    PhonePaymentDoubt,
    PhonePaymentDoubted,
    PhonePaymentFailed,
    PhonePaymentFailure,
    PhonePaymentPrompted,
    PhonePaymentUnconfirmed,
)
from payments.mpesa.models import KES, StkCallback, StkResultCode, msisdn
from payments.mpesa.stk import PROVIDER, UNKNOWN_WAIT, request_query
from store import events
from store.models import Order, OrderStatus, StkPush, StkPushStatus
from store.money import Money
from store.services import refunds_owed

logger = logging.getLogger(__name__)

QUERY_AFTER: Final = timedelta(minutes=2)  # a callback later than this is taken as lost
QUERY_EVERY: Final = timedelta(seconds=50)  # the job runs every minute
PAID_EVENT: Final = "mpesa.stk_paid"
# A push given up as lost may still be claimed by its callback this long after it was asked.
GIVEN_UP_WAIT: Final = UNKNOWN_WAIT * 3
FAILURES: Final = {
    StkResultCode.CANCELLED: PhonePaymentFailure.CANCELLED,
    StkResultCode.TIMED_OUT: PhonePaymentFailure.TIMED_OUT,
    StkResultCode.INSUFFICIENT_FUNDS: PhonePaymentFailure.NO_FUNDS,
    StkResultCode.WRONG_PIN: PhonePaymentFailure.WRONG_PIN,
}


class CallbackOutcome(StrEnum):
    RECORDED = "recorded"  # recorded; its query is queued
    DUPLICATE = "duplicate"  # the same answer was recorded before
    UNKNOWN = "unknown"  # no push of ours has that CheckoutRequestID
    CLOSED = "closed"  # the push was answered and closed already, otherwise
    CLASHES = "clashes"  # its receipt is another push's


def failure_of(result_code: int) -> PhonePaymentFailure:
    try:
        return FAILURES.get(StkResultCode(result_code), PhonePaymentFailure.FAILED)
    except ValueError:
        return PhonePaymentFailure.FAILED


def lock_push(session: Session, push_id: int) -> StkPush | None:
    return session.scalar(
        select(StkPush)
        .where(StkPush.id == push_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# --- the send effect's answer ---------------------------------------------------------------


def record_sent(session: Session, push_id: int, result: Mapping[str, Any], now: datetime) -> None:
    """Daraja took the push (its ids: `PhonePaymentPrompted`), or its answer was lost
    ("unknown": `PhonePaymentUnconfirmed`). Only a push still "requested": one its callback
    found first (adopted, or paid or failed since) tells her nothing more."""
    push = lock_push(session, push_id)
    if push is None or push.status != StkPushStatus.REQUESTED:
        return
    lost = str(result.get("unknown") or "")
    if lost:
        push.status = StkPushStatus.UNKNOWN
        push.result_desc = f"Daraja's answer was lost ({lost})"[:255]
        logger.warning("STK push %s: Daraja's answer was lost (%s)", push.id, lost)
        _tell_buyer(session, push, PhonePaymentUnconfirmed, now)
        return
    push.status = StkPushStatus.SENT
    push.checkout_request_id = str(result["checkout_request_id"])
    push.merchant_request_id = str(result["merchant_request_id"])
    push.sent_at = now
    _tell_buyer(session, push, PhonePaymentPrompted, now)


def _tell_buyer(
    session: Session,
    push: StkPush,
    event: type[PhonePaymentPrompted | PhonePaymentUnconfirmed],
    now: datetime,
) -> None:
    """Where the push stands, for an order still waiting for her payment."""
    order = session.get(Order, push.order_id)
    if order is not None and order.status == OrderStatus.PENDING_PAYMENT:
        events.publish(session, event(order, push.phone, f"stk-push-{push.id}"), now)


def send_failed(session: Session, push_id: int, error: str, now: datetime) -> None:
    """Daraja refused the push (or never took it, however often asked): she is told."""
    push = lock_push(session, push_id)
    if push is None or push.status != StkPushStatus.REQUESTED:
        return
    _fail(session, push, PhonePaymentFailure.FAILED.value, error, now)


# --- the callback -----------------------------------------------------------------------------


def record_callback(session: Session, callback: StkCallback, now: datetime) -> CallbackOutcome:
    """Record what a (token-checked) callback says on its push, once, and queue the query
    that confirms it. Nothing is paid here."""
    push = _push_with_id(session, callback.checkout_request_id)
    if push is None:
        # Daraja's answer may have been committed while this waited for the push's lock
        # (PostgreSQL reads each statement afresh): then the push is found by its id.
        push = _adopt_unknown(session, callback, now) or _push_with_id(
            session, callback.checkout_request_id
        )
    if push is None:
        _doubt(session, PhonePaymentDoubt.UNKNOWN_PUSH, "", now)
        return CallbackOutcome.UNKNOWN
    if push.status != StkPushStatus.SENT:
        if push.result_code == callback.result_code:  # its query closed it already
            return CallbackOutcome.DUPLICATE
        if _may_be_paid_late(push, callback):
            return _claim_late(session, push, callback, now)
        _doubt(session, PhonePaymentDoubt.UNKNOWN_PUSH, _code_of(session, push), now)
        return CallbackOutcome.CLOSED
    if push.answered_at is not None:  # an answer is being confirmed already
        return CallbackOutcome.DUPLICATE
    try:
        with session.begin_nested():
            push.result_code = callback.result_code
            push.result_desc = callback.result_desc[:255]
            push.receipt = callback.receipt
            push.paid_amount_minor = callback.amount_minor
            push.paid_phone = callback.phone
            push.answered_at = now
            session.flush()
    except IntegrityError:  # the receipt is another push's: not a genuine callback
        session.refresh(push)
        _doubt(session, PhonePaymentDoubt.UNKNOWN_PUSH, _code_of(session, push), now)
        return CallbackOutcome.CLASHES
    request_query(session, push, now, "callback")
    return CallbackOutcome.RECORDED


def _push_with_id(session: Session, checkout_request_id: str) -> StkPush | None:
    return session.scalar(
        select(StkPush)
        .where(StkPush.checkout_request_id == checkout_request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _may_be_paid_late(push: StkPush, callback: StkCallback) -> bool:
    """A push failed (timed out by its query, given up as lost) that a callback says was
    paid: M-Pesa may have taken her money after all, so it is asked."""
    return (
        push.status == StkPushStatus.FAILED
        and push.failure not in WRONG_PAYMENT
        and callback.paid
        and bool(callback.receipt)
    )


def _claim_late(
    session: Session, push: StkPush, callback: StkCallback, now: datetime
) -> CallbackOutcome:
    """Record the claim on the failed push (its receipt unique, as any) and ask M-Pesa."""
    try:
        with session.begin_nested():
            push.result_code = callback.result_code
            push.receipt = callback.receipt
            push.paid_amount_minor = callback.amount_minor
            push.paid_phone = callback.phone
            push.answered_at = now
            session.flush()
    except IntegrityError:
        session.refresh(push)
        _doubt(session, PhonePaymentDoubt.UNKNOWN_PUSH, _code_of(session, push), now)
        return CallbackOutcome.CLASHES
    logger.warning("STK push %s: a paid callback after it failed; asking M-Pesa", push.id)
    if not request_query(session, push, now, "late"):
        return CallbackOutcome.CLOSED
    return CallbackOutcome.RECORDED


def _adopt_unknown(session: Session, callback: StkCallback, now: datetime) -> StkPush | None:
    """The push whose ids we do not know yet, if this callback is its: the one push of the
    same amount from the same number (as far as a masked number shows it) whose answer was
    lost or is not recorded yet (she answered before the shop wrote Daraja's answer down)
    within `UNKNOWN_WAIT`, or given up as lost within `GIVEN_UP_WAIT`. It takes the
    callback's ids (the query then checks them); a push given up stays failed, and a paid
    callback is asked about (as for any failed push)."""
    if callback.phone is None or callback.amount_minor is None:
        return None
    lost = StkPush.status.in_((StkPushStatus.UNKNOWN, StkPushStatus.REQUESTED)) & (
        StkPush.requested_at >= now - UNKNOWN_WAIT
    )
    given_up = (
        (StkPush.status == StkPushStatus.FAILED)
        & (StkPush.failure == "not_sent")
        & (StkPush.requested_at >= now - GIVEN_UP_WAIT)
    )
    candidates = session.scalars(
        select(StkPush)
        .where(
            lost | given_up,
            StkPush.checkout_request_id.is_(None),
            StkPush.amount_minor == callback.amount_minor,
        )
        .with_for_update()
    ).all()
    mine = [push for push in candidates if shown_as(push.phone, callback.phone)]
    if len(mine) != 1:
        return None
    push = mine[0]
    if push.status in (StkPushStatus.UNKNOWN, StkPushStatus.REQUESTED):
        push.status = StkPushStatus.SENT
    push.checkout_request_id = callback.checkout_request_id
    push.merchant_request_id = callback.merchant_request_id
    push.sent_at = now
    session.flush()
    logger.info("STK push %s: its lost answer found by its callback", push.id)
    return push


def shown_as(phone: str, shown: str) -> bool:
    """Whether `shown` (a callback's PhoneNumber: whole, or with middle or end digits hidden
    behind asterisks or capital Xs, as M-Pesa shows payers' numbers: "2547******78",
    "0712***678", "0712" and six Xs) can be `phone` (E.164): the digits it shows agree with
    hers at the start and at the end."""
    full = _digits(phone)
    given = _digits(shown)
    if given.startswith("0"):
        given = full[: len(full) - 9] + given[1:]  # 0712… → 254712…
    if given.isdigit():
        return given == full
    head = re.match(r"\d*", given)
    tail = re.search(r"\d*$", given)
    start = head.group() if head else ""
    end = tail.group() if tail else ""
    return len(start) + len(end) <= len(full) and full.startswith(start) and full.endswith(end)


# --- the query --------------------------------------------------------------------------------


def apply_query(session: Session, push_id: int, result: Mapping[str, Any], now: datetime) -> None:
    """Daraja's answer to an STK query: the push is paid, failed, or still waiting."""
    push = lock_push(session, push_id)
    if push is not None and _late_claim(push):
        _apply_late_query(session, push, result, now)
        return
    if push is None or push.status != StkPushStatus.SENT:
        return  # closed by an earlier answer: nothing more
    push.checked_at = now
    code = result.get("result_code")
    if code is None:
        if push.answered_at is not None:
            logger.warning("STK push %s: a callback its query did not confirm", push.id)
            _set_aside_callback(push)
        return
    push.result_code = int(code)
    push.result_desc = str(result.get("result_desc") or push.result_desc)[:255]
    if int(code) != StkResultCode.SUCCESS:
        _fail(session, push, failure_of(int(code)).value, push.result_desc, now)
        return
    _paid(session, push, now)


def _late_claim(push: StkPush) -> bool:
    """A failed push a paid callback claimed since (failing clears the receipt)."""
    return (
        push.status == StkPushStatus.FAILED
        and push.failure not in WRONG_PAYMENT
        and push.receipt is not None
    )


def _apply_late_query(
    session: Session, push: StkPush, result: Mapping[str, Any], now: datetime
) -> None:
    """M-Pesa's word on a failed push a callback said was paid: paid, the order is paid if
    it still can be, else the money is owed back by hand (`_paid`); not paid, the claim is
    set aside and managers are told."""
    push.checked_at = now
    code = result.get("result_code")
    if code is not None and int(code) == StkResultCode.SUCCESS:
        push.result_code = StkResultCode.SUCCESS
        push.result_desc = str(result.get("result_desc") or push.result_desc)[:255]
        logger.error("STK push %s: paid after it failed", push.id)
        _paid(session, push, now)
        return
    _set_aside_callback(push)
    push.result_code = None if code is None else int(code)
    _doubt(session, PhonePaymentDoubt.UNCONFIRMED, _code_of(session, push), now)


def _paid(session: Session, push: StkPush, now: datetime) -> None:
    order = session.get(Order, push.order_id)
    assert order is not None  # a foreign key
    amount = Money(
        push.paid_amount_minor if push.paid_amount_minor is not None else push.amount_minor,
        push.currency,
    )
    charge_id = push.receipt or str(push.checkout_request_id)
    wrong = _what_is_wrong(push, order, amount)
    if wrong is not None:
        logger.error("STK push %s paid for order %s: %s", push.id, order.code, wrong.value)
        push.status = StkPushStatus.FAILED
        push.failure = "wrong_phone" if wrong == refunds_owed.Reason.PAYER else "wrong_amount"
        _owed(session, order, charge_id, amount, wrong, now)
        _doubt(session, PhonePaymentDoubt.WRONG_PAYMENT, order.code, now)
        return
    push.status = StkPushStatus.PAID
    completed = complete_payment(
        session,
        provider=PROVIDER,
        event_id=f"stk:{push.checkout_request_id}",
        event_type=PAID_EVENT,
        payment_ref=charge_id,
        now=now,
        order_id=order.id,
        payload={
            "push_id": push.id,
            "checkout_request_id": push.checkout_request_id,
            "receipt": push.receipt,
            "amount_minor": amount.amount,
            "currency": amount.currency,
        },
    )
    if completed.refund_due:  # expired and sold meanwhile, cancelled, paid another way
        _owed(session, order, charge_id, amount, refunds_owed.Reason.CLOSED, now)


def _what_is_wrong(push: StkPush, order: Order, amount: Money) -> refunds_owed.Reason | None:
    if amount.currency != KES or order.currency != KES:
        return refunds_owed.Reason.CURRENCY
    if amount.amount != order.total_minor:
        return refunds_owed.Reason.TOTAL
    if _whole_number(push.paid_phone) and _digits(push.paid_phone or "") != _digits(push.phone):
        return refunds_owed.Reason.PAYER
    return None


def _owed(
    session: Session,
    order: Order,
    charge_id: str,
    amount: Money,
    reason: refunds_owed.Reason,
    now: datetime,
) -> None:
    charge = refunds_owed.Charge(PROVIDER, charge_id, charge_id, amount)
    refunds_owed.record(session, order, charge, reason, order.buyer_user_id, now)


def _set_aside_callback(push: StkPush) -> None:
    push.result_code = None
    push.receipt = None
    push.paid_amount_minor = None
    push.paid_phone = None
    push.answered_at = None


def _fail(session: Session, push: StkPush, failure: str, desc: str, now: datetime) -> None:
    push.status = StkPushStatus.FAILED
    push.failure = failure
    push.result_desc = desc[:255]
    push.receipt = None  # no money moved: a receipt a callback claimed is not kept
    order = session.get(Order, push.order_id)
    if order is not None and order.status == OrderStatus.PENDING_PAYMENT:
        reason = PhonePaymentFailure(failure) if failure in _REASONS else PhonePaymentFailure.FAILED
        events.publish(session, PhonePaymentFailed(order, push.phone, reason), now)


_REASONS: Final = frozenset(reason.value for reason in PhonePaymentFailure)
WRONG_PAYMENT: Final = frozenset({"wrong_phone", "wrong_amount"})  # paid, owed back by hand


# --- the scheduler and reconcile --------------------------------------------------------------


def queue_due_queries(
    session: Session, now: datetime, *, since: datetime | None = None
) -> list[int]:
    """Queue a query for every push sent and not answered: those sent more than
    `QUERY_AFTER` ago and not asked about in the last `QUERY_EVERY` (the job), or, with
    `since`, every one sent since then (reconcile). Pushes whose answer was lost and that no
    callback claimed within `UNKNOWN_WAIT` fail. The ids of the pushes asked about."""
    query = select(StkPush).where(StkPush.status == StkPushStatus.SENT)
    if since is None:
        query = query.where(
            StkPush.sent_at <= now - QUERY_AFTER,
            (StkPush.checked_at.is_(None)) | (StkPush.checked_at <= now - QUERY_EVERY),
        )
    else:
        query = query.where(StkPush.requested_at >= since)
    pushes = session.scalars(
        query.order_by(StkPush.id).limit(500).with_for_update(skip_locked=True)
    ).all()
    asked = [push.id for push in pushes if request_query(session, push, now, "due")]
    give_up_unknown(session, now)
    return asked


def give_up_unknown(session: Session, now: datetime) -> int:
    """Pushes whose answer was lost more than `UNKNOWN_WAIT` ago: failed ("not_sent"), and
    the buyer may try again. How many."""
    lost = session.scalars(
        select(StkPush)
        .where(
            StkPush.status == StkPushStatus.UNKNOWN,
            StkPush.requested_at <= now - UNKNOWN_WAIT,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for push in lost:
        _fail(session, push, "not_sent", push.result_desc, now)
    return len(lost)


def _doubt(session: Session, doubt: PhonePaymentDoubt, order_code: str, now: datetime) -> None:
    logger.warning("M-Pesa: %s (order %s)", doubt.value, order_code or "none")
    events.publish(session, PhonePaymentDoubted(doubt, order_code), now)


def _code_of(session: Session, push: StkPush) -> str:
    order = session.get(Order, push.order_id)
    return order.code if order is not None else ""


def _whole_number(phone: str | None) -> bool:
    """Whether a callback's PhoneNumber is a whole number: M-Pesa masks payers' numbers
    from paybills and tills ("0712***678", since March 2026), and a masked one says nothing
    against the payer (a push can only be paid from the phone it prompted anyway)."""
    if phone is None:
        return False
    try:
        msisdn(phone)
    except ValueError:
        return False
    return True


def _digits(phone: str) -> str:
    return phone.replace(" ", "").removeprefix("+")
