"""Telegram native invoices, the two updates they bring back:

- `pre_checkout_query`: Telegram asks whether to charge the card and waits 10 s for the
  answer. We say yes only after re-checking in the database that the order is still waiting
  for payment, its reservation still holds, and the amount and currency are the order's.
  The adapter answers it directly (not through the engine): nothing is recorded.
- `successful_payment` (a message): the money was taken; the order is completed through
  `complete_payment`, once per Telegram charge id, in the transaction that records the batch,
  when its currency, total and payer are the order's; anything else is a refund owed
  (`store.services.refunds_owed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import PreCheckoutQuery, SuccessfulPayment

from conversations.i18n import DEFAULT_LOCALE, N_, Translator
from payments.completion import complete_payment
from payments.telegram_invoice import NAME, TelegramInvoices
from store.errors import StoreError
from store.models import Channel, Order, OrderStatus, PaymentEvent, User
from store.money import Money
from store.savepoints import add_unless_taken
from store.services import people, refunds_owed

logger = logging.getLogger(__name__)

EVENT_TYPE = "successful_payment"

# Why a payment is refused, in the buyer's language (Telegram shows it on the invoice).
UNKNOWN: Final = N_("Sorry, we cannot find this order. Please order again in the chat.")
EXPIRED: Final = N_("Sorry, the time to pay for order {code} ran out. Please order again.")
CLOSED: Final = N_("Order {code} can no longer be paid. You have not been charged.")
CHANGED: Final = N_(
    "Sorry, this invoice no longer matches order {code}. Please open the order again."
)


@dataclass(frozen=True)
class PaymentReceived:
    """A `successful_payment` message, as read from its update."""

    telegram_user_id: str
    payload: str
    currency: str
    total_amount: int
    telegram_charge_id: str
    provider_charge_id: str

    @classmethod
    def of(cls, telegram_user_id: int, payment: SuccessfulPayment) -> PaymentReceived:
        return cls(
            str(telegram_user_id),
            payment.invoice_payload,
            payment.currency,
            payment.total_amount,
            payment.telegram_payment_charge_id,
            payment.provider_payment_charge_id,
        )


@dataclass(frozen=True)
class PreCheckoutAnswer:
    ok: bool
    error_message: str | None = None


def check_pre_checkout(
    session: Session, invoices: TelegramInvoices, query: PreCheckoutQuery, now: datetime
) -> PreCheckoutAnswer:
    """Yes only for a pending order of this buyer, reserved until after `now`, whose total
    and currency are those of the invoice; else no, with a reason in the buyer's language."""
    user = people.user_for_identity(session, Channel.TELEGRAM, str(query.from_user.id))
    t = Translator(user.locale) if user is not None else _hinted(query)
    code = invoices.order_code_of(query.invoice_payload)
    order = None if code is None else session.scalar(select(Order).where(Order.code == code))
    if order is None or user is None or order.buyer_user_id != user.id:
        return PreCheckoutAnswer(False, t._(UNKNOWN))
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return PreCheckoutAnswer(False, t._(CLOSED).format(code=order.code))
    if order.reserved_until is None or _aware(order.reserved_until) <= now:
        return PreCheckoutAnswer(False, t._(EXPIRED).format(code=order.code))
    if query.total_amount != order.total_minor or query.currency != order.currency:
        return PreCheckoutAnswer(False, t._(CHANGED).format(code=order.code))
    return PreCheckoutAnswer(True)


def refuse_unknown(query: PreCheckoutQuery) -> PreCheckoutAnswer:
    """No, in the language of the buyer's Telegram client (when invoices are not set up)."""
    return PreCheckoutAnswer(False, _hinted(query)._(UNKNOWN))


def _hinted(query: PreCheckoutQuery) -> Translator:
    return Translator(query.from_user.language_code or DEFAULT_LOCALE)


def complete_telegram_payment(
    session: Session, invoices: TelegramInvoices, payment: PaymentReceived, now: datetime
) -> None:
    """The order paid (stock committed, sale in the ledger, people told), once per charge,
    when the payment is the order's: its currency, total and payer. Anything else, and
    money for an order that can no longer take it, is recorded as a refund owed (Telegram
    has no refund API: a community manager sends it back by hand)."""
    code = invoices.order_code_of(payment.payload)
    if code is None:
        logger.error("telegram payment %s: unsigned payload", payment.telegram_charge_id)
        return
    order = session.scalar(select(Order).where(Order.code == code))
    if order is None:
        logger.error("telegram payment %s: no order %s", payment.telegram_charge_id, code)
        return
    try:
        charge = refunds_owed.Charge(
            NAME,
            payment.telegram_charge_id,
            payment.provider_charge_id,
            Money(payment.total_amount, payment.currency),
        )
    except StoreError:  # a currency nobody knows: nothing we could write down or refund
        logger.error("telegram payment %s: unknown currency", payment.telegram_charge_id)
        return
    payer = people.user_for_identity(session, Channel.TELEGRAM, payment.telegram_user_id)
    mismatch = _mismatch(order, payment, payer)
    if mismatch is not None:
        _record_event(session, order, payment, now)
        _owe(session, order, charge, mismatch, payer, now)
        return
    result = complete_payment(
        session,
        provider=NAME,
        event_id=payment.telegram_charge_id,
        event_type=EVENT_TYPE,
        order_code=code,
        payment_ref=payment.provider_charge_id,
        now=now,
        payload=_payload(code, payment),
    )
    if result.refund_due:
        _owe(session, order, charge, refunds_owed.Reason.CLOSED, payer, now)


def _mismatch(
    order: Order, payment: PaymentReceived, payer: User | None
) -> refunds_owed.Reason | None:
    if payment.currency != order.currency:
        return refunds_owed.Reason.CURRENCY
    if payment.total_amount != order.total_minor:
        return refunds_owed.Reason.TOTAL
    if payer is None or payer.id != order.buyer_user_id:
        return refunds_owed.Reason.PAYER
    return None


def _record_event(session: Session, order: Order, payment: PaymentReceived, now: datetime) -> None:
    """The successful_payment the order did not take, once per charge (a repeat finds it)."""
    add_unless_taken(
        session,
        PaymentEvent(
            provider=NAME,
            event_id=payment.telegram_charge_id,
            event_type=EVENT_TYPE,
            order_id=order.id,
            payload=_payload(order.code, payment),
            received_at=now,
            processed_at=now,
        ),
    )


def _owe(
    session: Session,
    order: Order,
    charge: refunds_owed.Charge,
    reason: refunds_owed.Reason,
    payer: User | None,
    now: datetime,
) -> None:
    if refunds_owed.record(session, order, charge, reason, payer.id if payer else None, now):
        logger.warning(
            "telegram payment %s for order %s not taken (%s): a refund is owed by hand",
            charge.charge_id,
            order.code,
            reason.value,
        )


def _payload(code: str, payment: PaymentReceived) -> dict[str, object]:
    return {
        "order_code": code,
        "currency": payment.currency,
        "total_amount": payment.total_amount,
        "telegram_user_id": payment.telegram_user_id,
        "provider_charge_id": payment.provider_charge_id,
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
