"""Community managers told of a word from a phone-payment provider the shop did not trust
(`payments.events.PhonePaymentDoubted`): a callback to an address with the wrong secret, for
a prompt the shop never sent or closed, or a payment of the wrong amount. No order was
marked paid because of it. At most one alert per window (`alerts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from conversations.i18n import N_, Translator
from conversations.notify import alerts

DOUBT_TOPIC: Final = "phone-payment-doubt"
# Posts with a wrong token can come from anyone: they have their own window, so a probe every
# quarter of an hour cannot hold back the alerts about money (a payment for a closed prompt).
PROBE_TOPIC: Final = "phone-payment-probe"
# Not "nothing was paid": a payment of the wrong amount, or one for a closed prompt, did take
# her money; what the shop can say is that no order was marked paid because of the message.
DOUBT_ALERT = N_(
    "Soko alert: an M-Pesa message was not trusted: {what}. No order was marked paid because of it."
)
DOUBT_FOR_ORDER = N_("Order: {code}.")
DOUBT_CHECK = N_("If it goes on, check the M-Pesa portal and run: soko admin reconcile")
DOUBTS: Final = {
    "wrong_token": N_(
        "a payment callback came to an address with a wrong secret in it (someone may be "
        "trying the shop's addresses)"
    ),
    "unknown_push": N_(
        "a payment callback named a payment prompt the shop did not send, or closed already"
    ),
    "unconfirmed": N_("a payment callback was not confirmed by M-Pesa"),
    "wrong_payment": N_(
        "a payment was not the order's amount or came from another number; it is to be "
        "sent back by hand"
    ),
}


def payment_doubted(session: Session, doubt: str, order_code: str, now: datetime) -> int:
    """How many managers were told (0 inside the alert window)."""

    def render(t: Translator) -> str:
        what = t._(DOUBTS.get(doubt, DOUBTS["unknown_push"]))
        lines = [t._(DOUBT_ALERT).format(what=what)]
        if order_code:
            lines.append(t._(DOUBT_FOR_ORDER).format(code=order_code))
        lines.append(t._(DOUBT_CHECK))
        return "\n".join(lines)

    topic = PROBE_TOPIC if doubt == "wrong_token" else DOUBT_TOPIC
    return alerts.alert_managers(session, topic, render, now)
