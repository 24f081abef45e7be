"""What payments say happened, as domain events (`store/events.py`): published in the unit of
work that made it so; `bot/domain_events.py` has the chat turn each into notices."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from store.models import Order, Payout
from store.money import Money


@dataclass(frozen=True)
class OrderPaid:
    """An order became paid (its first payment; a repeated event publishes nothing)."""

    order: Order


@dataclass(frozen=True)
class OrderExpired:
    """The pay page expired and the order's pieces were let go."""

    order: Order


@dataclass(frozen=True)
class RefundSent:
    """The provider made a refund of `amount` (`request_id`: the refund request's id)."""

    order: Order
    amount: Money
    request_id: str


@dataclass(frozen=True)
class PaymentNotTaken:
    """A payment came for an order that could no longer take it; it is being refunded."""

    order: Order
    amount: Money
    payment_ref: str


@dataclass(frozen=True)
class RefundRefused:
    """The provider will not make a refund of `amount` (`request_id`): it refused it, or never
    answered however often asked. `reason` is one of `payments.refunds.REFUSAL_REASONS`,
    never the provider's own words (they may hold more than a person should read). The
    ledger holds the reversal; no money went back."""

    order: Order
    amount: Money
    request_id: str
    reason: str


class PhonePaymentFailure(StrEnum):
    """Why a payment prompt on the buyer's phone (an M-Pesa STK push) took no money, in
    words the chat can explain; never the provider's own text."""

    CANCELLED = "cancelled"  # she declined the prompt
    TIMED_OUT = "timed_out"  # she did not answer it in time
    NO_FUNDS = "no_funds"  # not enough money on her M-Pesa
    WRONG_PIN = "wrong_pin"
    FAILED = "failed"  # anything else: the provider refused or could not send it


@dataclass(frozen=True)
class PhonePaymentFailed:
    """A payment prompt sent to `phone` (E.164) for the order took no money; the order still
    waits for payment until its reservation ends, and she may try again."""

    order: Order
    phone: str
    reason: PhonePaymentFailure


@dataclass(frozen=True)
class PhonePaymentPrompted:
    """The provider took the payment prompt for the order: it is on her phone `phone`
    (E.164), to confirm with her PIN. `prompt` names the prompt (one notice per prompt)."""

    order: Order
    phone: str
    prompt: str


@dataclass(frozen=True)
class PhonePaymentUnconfirmed:
    """The provider's answer to the payment prompt for the order was lost (a timeout, its
    server failing): the prompt may or may not be on her phone `phone` (E.164). It is not sent
    again; it is paid if she confirms it, or given up (`PhonePaymentFailed`) a few minutes
    later. `prompt` names the prompt (one notice per prompt)."""

    order: Order
    phone: str
    prompt: str


@dataclass(frozen=True)
class PayoutPaid:
    """M-Pesa paid an artisan (B2C): `payout` is the ledger's payout, its `mpesa_reference`
    the M-Pesa receipt."""

    payout: Payout


@dataclass(frozen=True)
class PayoutPaidAfterFailure:
    """M-Pesa paid a payout the shop had recorded as failed (and told managers so): `payout`
    is the ledger's payout now recorded; nothing must be sent to her again for it."""

    payout: Payout


class PayoutFailure(StrEnum):
    """Why M-Pesa did not pay an artisan, in words a community manager can act on; never
    M-Pesa's own text."""

    WRONG_NUMBER = "wrong_number"  # not an M-Pesa number, or not registered
    LIMITS = "limits"  # above what M-Pesa lets one transfer or her account take
    SHOP_ACCOUNT = "shop_account"  # the shop's M-Pesa account: funds, initiator, credential
    REFUSED = "refused"  # anything else M-Pesa or Daraja refused
    UNANSWERED = "unanswered"  # busy every time it was asked


@dataclass(frozen=True)
class PayoutFailed:
    """An M-Pesa payout of `amount` to `artisan_id` at `phone` (E.164) failed for good; the
    money stays in her balance for the next payout."""

    artisan_id: int
    amount: Money
    phone: str
    reason: PayoutFailure


class PayoutDoubt(StrEnum):
    """Why what became of an M-Pesa payout is not known (a managers' alert)."""

    STATUS_UNCLEAR = "status_unclear"  # M-Pesa's status answer was neither paid nor not found
    STATUS_REFUSED = "status_refused"  # the status query itself was refused


@dataclass(frozen=True)
class PayoutInDoubt:
    """An M-Pesa payout of `amount` to `artisan_id` at `phone` may or may not have been
    paid: it is held (nothing is sent again) until someone checks it."""

    artisan_id: int
    amount: Money
    phone: str
    doubt: PayoutDoubt


class PhonePaymentDoubt(StrEnum):
    """Why a word from the phone-payment provider was not trusted (a managers' alert)."""

    WRONG_TOKEN = "wrong_token"  # noqa: S105 (a word, not a secret): a callback to an address with the wrong secret in it
    UNKNOWN_PUSH = "unknown_push"  # a callback for a prompt the shop never sent, or closed
    UNCONFIRMED = "unconfirmed"  # a callback its query did not confirm (still unanswered)
    WRONG_PAYMENT = "wrong_payment"  # paid, but not the order's amount, currency or number


@dataclass(frozen=True)
class PhonePaymentDoubted:
    """Something about phone payments community managers should look at; nothing was paid
    because of it. `order_code` is "" when no order of ours is named."""

    doubt: PhonePaymentDoubt
    order_code: str = ""
