"""What a buyer is told of the payment prompt on her phone (an M-Pesa push) once the provider
answers sending it: that it is there, to confirm with her PIN; or, when its answer was lost,
that it is not confirmed to be there (confirm it if it comes; she will be told if it is given
up). And when it took no money: what happened, in her language, and two ways on: "Try again"
(a new prompt to the same number, or the one still open) and "Use another number". Their
taps (also typed, and from an old message) are answered in
`conversations/flows/phone_retry.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Outbound
from conversations.payloads import Payload
from store.models import Order, User
from store.money import Money
from store.phones import shown_phone

# By `payments.events.PhonePaymentFailure` (its values: the chat never reads the provider's
# own words).
WHAT_HAPPENED: Final = {
    "cancelled": N_("The payment request for order {code} was cancelled on your phone {phone}."),
    "timed_out": N_(
        "The payment request for order {code} was not answered in time on your phone {phone}."
    ),
    "no_funds": N_(
        "The payment for order {code} did not go through: there was not enough money on {phone}."
    ),
    "wrong_pin": N_(
        "The payment for order {code} did not go through: the PIN entered on {phone} was wrong."
    ),
    "failed": N_("Sorry, we could not send the payment request for order {code} to {phone}."),
}
PROMPTED = N_(
    "We sent the payment request for order {code} to your phone {phone}. "
    "Please confirm the payment of {amount} there with your PIN."
)
UNCONFIRMED = N_(
    "M-Pesa has not confirmed that the payment request for order {code} reached your phone "
    "{phone}. If it comes, please confirm the payment of {amount} there with your PIN."
)
IF_NONE_COMES = N_(
    "If nothing comes within a few minutes, I will tell you here, and you can try again or "
    "use another number."
)
STILL_HELD = N_("Your order is still waiting for payment. Try again, or use another number?")
TRY_AGAIN = N_("Try again")
OTHER_NUMBER = N_("Use another number")


@dataclass(frozen=True)
class TryAgain(Payload, tag="ppagn"):
    """A new prompt for the order, to the same number."""

    order_id: int


@dataclass(frozen=True)
class OtherNumber(Payload, tag="ppnum"):
    """Another number to charge for the order."""

    order_id: int


def phone_payment_failed(
    session: Session, order: Order, phone: str, reason: str, now: datetime
) -> None:
    """The buyer told why the prompt to `phone` took no money (`reason`: a
    `PhonePaymentFailure` value), with the two ways on."""
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    happened = t._(WHAT_HAPPENED.get(reason, WHAT_HAPPENED["failed"]))
    text = "\n".join([happened.format(code=order.code, phone=shown_phone(phone)), t._(STILL_HELD)])
    choices = (
        Choice(t._(TRY_AGAIN), TryAgain(order.id).encode()),
        Choice(t._(OTHER_NUMBER), OtherNumber(order.id).encode()),
    )
    key = f"phone-payment-failed:{order.id}:{phone}:{reason}:{now.isoformat()}"
    outbox.notify(session, buyer.id, Outbound(text=text, choices=choices), dedupe_key=key, now=now)


def prompted_text(t: Translator, order: Order, phone: str) -> str:
    return t._(PROMPTED).format(**_figures(t, order, phone))


def unconfirmed_text(t: Translator, order: Order, phone: str) -> str:
    return t._(UNCONFIRMED).format(**_figures(t, order, phone))


def _figures(t: Translator, order: Order, phone: str) -> dict[str, str]:
    amount = Money(order.total_minor, order.currency).format(t.locale)
    return {"code": order.code, "phone": shown_phone(phone), "amount": amount}


def phone_payment_prompted(
    session: Session, order: Order, phone: str, prompt: str, now: datetime
) -> None:
    """The buyer told the prompt is on her phone `phone`, to confirm with her PIN (once per
    `prompt`)."""
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    text = prompted_text(t, order, phone)
    key = f"phone-prompt-sent:{prompt}"
    outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=key, now=now)


def phone_payment_unconfirmed(
    session: Session, order: Order, phone: str, prompt: str, now: datetime
) -> None:
    """The buyer told the prompt to `phone` is not confirmed to be there: confirm it if it
    comes; if not, she is told when it is given up, with the two ways on. Once per `prompt`."""
    buyer = session.get(User, order.buyer_user_id)
    if buyer is None:
        return
    t = Translator(buyer.locale)
    text = "\n".join([unconfirmed_text(t, order, phone), t._(IF_NONE_COMES)])
    key = f"phone-prompt-unconfirmed:{prompt}"
    # No buttons yet: "another number" while this prompt may be live would buzz her twice.
    outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=key, now=now)
