"""Who acts on each domain event, in the publisher's unit of work (`store/events.py`): the
conversation side turns what payments say happened into the notices people get, and
payments reverse the sale of a paid order the buyer cancelled (the store's event). Subscribed
once per process, by the container (`bot/container.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversations.notify import cases as case_notices
from conversations.notify import delivery as delivery_notices
from conversations.notify import orders as order_notices
from conversations.notify import payment_doubts, phone_payments
from conversations.notify import payments as payment_notices
from conversations.notify import payouts as payout_notices
from payments import completion, refunds
from payments.events import (
    OrderExpired,
    OrderPaid,
    PaymentNotTaken,
    PayoutFailed,
    PayoutInDoubt,
    PayoutPaid,
    PayoutPaidAfterFailure,
    PhonePaymentDoubted,
    PhonePaymentFailed,
    PhonePaymentPrompted,
    PhonePaymentUnconfirmed,
    RefundRefused,
    RefundSent,
)
from store import events
from store.money import Money
from store.services import payout_release, refunds_owed
from store.services.order_events import (
    CaseClosed,
    CaseOpened,
    CaseRefundAsked,
    LinesDelivered,
    LinesPassed,
    PaidOrderCancelled,
)
from store.services.refunds_owed import RefundMadeByHand, RefundOwed


def _paid(session: Session, event: OrderPaid, now: datetime) -> None:
    order_notices.order_paid(session, event.order, now)


def _expired(session: Session, event: OrderExpired, now: datetime) -> None:
    order_notices.order_expired(session, event.order, now)


def _refund_sent(session: Session, event: RefundSent, now: datetime) -> None:
    payment_notices.refund_sent(session, event.order, event.amount, event.request_id, now)


def _refund_refused(session: Session, event: RefundRefused, now: datetime) -> None:
    waiting = refunds.orders_with_refused_refunds(session)
    payment_notices.refund_refused(session, event.order, event.amount, event.reason, waiting, now)


def _not_taken(session: Session, event: PaymentNotTaken, now: datetime) -> None:
    payment_notices.payment_not_taken(session, event.order, event.amount, event.payment_ref, now)


def _phone_payment_failed(session: Session, event: PhonePaymentFailed, now: datetime) -> None:
    phone_payments.phone_payment_failed(session, event.order, event.phone, event.reason, now)


def _phone_payment_prompted(session: Session, event: PhonePaymentPrompted, now: datetime) -> None:
    phone_payments.phone_payment_prompted(session, event.order, event.phone, event.prompt, now)


def _phone_payment_unconfirmed(
    session: Session, event: PhonePaymentUnconfirmed, now: datetime
) -> None:
    phone_payments.phone_payment_unconfirmed(session, event.order, event.phone, event.prompt, now)


def _doubted(session: Session, event: PhonePaymentDoubted, now: datetime) -> None:
    payment_doubts.payment_doubted(session, event.doubt.value, event.order_code, now)


def _refund_owed(session: Session, event: RefundOwed, now: datetime) -> None:
    waiting = [refund.order_code for refund in refunds_owed.open_refunds(session)]
    payment_notices.refund_owed(session, event.order.code, event.amount, event.reason, waiting, now)
    told_elsewhere = (refunds_owed.Reason.CANCELLED, refunds_owed.Reason.MANAGER)
    if event.payer_user_id is not None and event.reason not in told_elsewhere:
        payment_notices.payment_owed_back(
            session, event.order, event.amount, event.record_id, event.payer_user_id, now
        )


def _refund_made_by_hand(session: Session, event: RefundMadeByHand, now: datetime) -> None:
    if event.payer_user_id is not None:
        payment_notices.refund_made_by_hand(
            session, event.order, event.amount, event.reference, event.payer_user_id, now
        )


def _delivered(session: Session, event: LinesDelivered, now: datetime) -> None:
    delivery_notices.lines_delivered(session, event.order, event.line_ids, event.by, now)


def _case_opened(session: Session, event: CaseOpened, now: datetime) -> None:
    case_notices.case_opened(session, event.case_id, event.newly, now)


def _case_closed(session: Session, event: CaseClosed, now: datetime) -> None:
    case_notices.case_closed(session, event.case_id, now)


def _case_refund(session: Session, event: CaseRefundAsked, now: datetime) -> None:
    """A case closed with a refund, given back through the order's provider as `soko admin
    refund` does, line by line, in the case's unit of work: Stripe's refund (the ledger
    reversal and the request the effect runner sends), or for a provider without a refund
    API (M-Pesa, Telegram) a refund owed that a manager sends back by hand. Anything else
    (the demo provider) cannot: raising keeps the case open."""
    order = event.order
    if order.payment_provider in refunds_owed.BY_HAND:
        if event.by is None:
            raise refunds_owed.NotOwed("a refund owed by hand needs the manager deciding it")
        for line_id, minor in event.lines:
            money = Money(minor, order.currency)
            refunds_owed.record_by_manager(session, order, line_id, money, event.by, now)
        return
    if order.payment_provider != refunds.PROVIDER:
        raise refunds.NotRefundable(order.code, f"paid with {order.payment_provider}")
    for line_id, minor in event.lines:
        money = Money(minor, order.currency)
        refunds.refund_line(session, order, line_id, money, event.reason, now)


def _payout_paid(session: Session, event: PayoutPaid, now: datetime) -> None:
    payout_notices.payout_sent(session, event.payout, now)


def _payout_failed(session: Session, event: PayoutFailed, now: datetime) -> None:
    payout_notices.payout_failed(
        session, event.artisan_id, event.amount, event.phone, event.reason.value, now
    )


def _release_delivered(session: Session, event: LinesDelivered, now: datetime) -> None:
    payout_release.release_lines(session, event.order, event.line_ids)


def _release_passed(session: Session, event: LinesPassed, now: datetime) -> None:
    payout_release.release_lines(session, event.order, event.line_ids)


def _payout_in_doubt(session: Session, event: PayoutInDoubt, now: datetime) -> None:
    payout_notices.payout_in_doubt(
        session, event.artisan_id, event.amount, event.phone, event.doubt.value, now
    )


def _payout_paid_after_failure(
    session: Session, event: PayoutPaidAfterFailure, now: datetime
) -> None:
    payout_notices.payout_paid_after_all(session, event.payout, now)


def subscribe_notices() -> None:
    """What payments say happened, told to the people concerned (idempotent)."""
    events.subscribe(OrderPaid, _paid)
    events.subscribe(OrderExpired, _expired)
    events.subscribe(RefundSent, _refund_sent)
    events.subscribe(RefundRefused, _refund_refused)
    events.subscribe(PaymentNotTaken, _not_taken)
    events.subscribe(PhonePaymentFailed, _phone_payment_failed)
    events.subscribe(PhonePaymentPrompted, _phone_payment_prompted)
    events.subscribe(PhonePaymentUnconfirmed, _phone_payment_unconfirmed)
    events.subscribe(RefundOwed, _refund_owed)
    events.subscribe(RefundMadeByHand, _refund_made_by_hand)
    events.subscribe(PayoutPaid, _payout_paid)
    events.subscribe(PayoutFailed, _payout_failed)
    events.subscribe(PayoutInDoubt, _payout_in_doubt)
    events.subscribe(PayoutPaidAfterFailure, _payout_paid_after_failure)
    events.subscribe(PhonePaymentDoubted, _doubted)
    events.subscribe(LinesDelivered, _delivered)
    events.subscribe(CaseOpened, _case_opened)
    events.subscribe(CaseClosed, _case_closed)


def subscribe_handlers(
    release_on: payout_release.ReleaseOn = payout_release.ReleaseOn.DELIVERED,
) -> None:
    """Every domain event's handlers (idempotent): what each process's container does.
    Shares become payable when lines are delivered, and also when they pass at the hub if
    the shop says so (`PAYOUT_RELEASE`)."""
    subscribe_notices()
    events.subscribe(LinesDelivered, _release_delivered)
    if release_on is payout_release.ReleaseOn.PASSED:
        events.subscribe(LinesPassed, _release_passed)
    events.subscribe(PaidOrderCancelled, completion.on_paid_order_cancelled)
    events.subscribe(CaseRefundAsked, _case_refund)
