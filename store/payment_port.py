"""The payment port: what the checkout asks of a payment provider, in types both sides share.

Providers (`payments/`: demo, Stripe, Telegram invoices) implement it; the flows
(`conversations/`) call it; `bot/` chooses which provider serves which buyer. It lives in
`store/` because both sides stand on `store/` and neither may import the other.

A checkout says what the buyer must do next as a neutral action (`PaymentAction`): open a
link, pay an in-chat invoice, confirm a prompt on her phone, or tap "pay" in the chat (the
demo card); or wait while the link is being made. The chat renders the action in her
language; it never asks which provider made it. The words a provider shows her itself (an
invoice's title, a line with no name) come from the chat too, as `CheckoutLabels`:
`payments/` has no catalogs.

Before it shows a way to pay, the flow asks three things: can buyers on this channel pay at
all (`takes_payments`: not where `bot/` wired `NoPayments`), which ways to pay are on for
them (`payment_methods`: card, M-Pesa, …; one way, and the checkout asks nothing more), and
does the provider want the chat to confirm the payment itself (`confirmed_in_chat`: the
demo card). The order records the way she chose (`Order.payment_method`, and for a way that
prompts her phone the number to charge, `Order.payer_phone`); `bot/` sends its checkout to
a provider of that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from store.errors import StoreError
from store.models import Channel, Order


@dataclass(frozen=True)
class PaymentMethod:
    """A way to pay that a provider offers. `currency` None: the store currency (else the
    order is priced in this one); `asks_phone`: the number to charge is asked and recorded
    on the order; `home_country` (ISO 3166-1 alpha-2): offered unasked only to buyers from
    there (shipping there, or with a phone number from there); any buyer may name it."""

    key: str  # "card", "mpesa": what `Order.payment_method` records
    currency: str | None
    asks_phone: bool = False
    home_country: str = ""


CARD = PaymentMethod("card", None)


@dataclass(frozen=True)
class CheckoutLabels:
    """The words a provider shows the buyer, already in her language."""

    title: str  # the order as a whole ("Soko order SK-7Q2M4X")
    shipping: str  # the shipping line of a bill
    untitled: str  # a piece that has no name


@dataclass(frozen=True)
class InvoiceLine:
    """One priced part of an in-chat invoice, in minor units of the invoice's currency."""

    label: str
    amount_minor: int


@dataclass(frozen=True)
class InChatInvoice:
    """A bill the chat itself can show and take payment for (Telegram's invoices)."""

    title: str
    description: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    payload: str  # what the chat platform hands back with the payment


@dataclass(frozen=True)
class OpenLink:
    """She opens a payment page."""

    url: str


@dataclass(frozen=True)
class PayInvoice:
    """She pays an invoice shown in the chat."""

    invoice: InChatInvoice


class PromptState(StrEnum):
    """Where a payment prompt to her phone stands when she is shown it."""

    SENDING = "sending"  # asked for: the provider is asked after the commit
    SENT = "sent"  # the provider took it: it is on her phone
    UNCONFIRMED = "unconfirmed"  # the provider's answer was lost: it may be on her phone


@dataclass(frozen=True)
class ConfirmOnPhone:
    """She confirms a payment prompt the provider sends to her phone (a mobile-money push);
    `state` says whether it is on its way, there, or not confirmed to be (she is told once
    the provider answers: `payments.events.PhonePaymentPrompted` and its kin)."""

    phone: str  # E.164
    state: PromptState = PromptState.SENDING


@dataclass(frozen=True)
class ConfirmInChat:
    """Her "pay now" tap in the chat is the payment (the demo card); `page_url` is the
    shop's own page that does the same."""

    page_url: str


@dataclass(frozen=True)
class LinkBeingMade:
    """The provider is asked after this unit of work commits (an effect): she is told the
    link is coming and is sent it as soon as the provider answers."""


PaymentAction = OpenLink | PayInvoice | ConfirmOnPhone | ConfirmInChat | LinkBeingMade


@dataclass(frozen=True)
class Checkout:
    """How the buyer pays for an order."""

    provider: str
    reference: str  # the provider's id for this checkout (a Checkout Session id, …)
    action: PaymentAction  # what she does next
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CompletionResult:
    """A provider's "paid" event applied to its order (`payments/completion.py`)."""

    order: Order
    newly_paid: bool  # this event paid the order (False: duplicate, already paid, refused)
    duplicate: bool = False  # the same event was delivered before; nothing was done
    refund_due: bool = False  # the order could not take the money: give it back


class PaymentProvider(Protocol):
    name: str

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        """Create (or return the existing) checkout for an order awaiting payment."""
        ...


@runtime_checkable
class PerChannel(Protocol):
    """A provider that hands each buyer's channel to the provider serving it."""

    def for_channel(self, channel: Channel) -> PaymentProvider: ...


@runtime_checkable
class ConfirmedInChat(Protocol):
    """A provider with no payment page of its own (the demo card): the buyer's "pay now" tap
    in the chat, or on the shop's own pay page, is its confirmation."""

    def confirm(self, session: Session, order_code: str, now: datetime) -> CompletionResult: ...


@runtime_checkable
class OffersMethods(Protocol):
    """A provider that chooses between providers, each with its way to pay."""

    def methods(self, channel: Channel) -> tuple[PaymentMethod, ...]: ...


class PaymentsNotOpen(StoreError):
    def __init__(self, order_code: str) -> None:
        super().__init__(f"no payment provider takes payments for order {order_code}")


class NoPayments:
    """Where no provider serves a channel's buyers: paying is not open, so the checkout
    places no order (and a pending one is not offered a way to pay)."""

    name = "none"

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        raise PaymentsNotOpen(order.code)


def provider_for(provider: PaymentProvider, channel: Channel) -> PaymentProvider:
    """The provider that serves buyers on `channel`."""
    return provider.for_channel(channel) if isinstance(provider, PerChannel) else provider


def takes_payments(provider: PaymentProvider, channel: Channel) -> bool:
    """Whether buyers on `channel` can pay: some provider serves them."""
    return not isinstance(provider_for(provider, channel), NoPayments)


def payment_methods(provider: PaymentProvider, channel: Channel) -> tuple[PaymentMethod, ...]:
    """The ways buyers on `channel` can pay, in order of preference (none: paying is not
    open; a single provider takes cards in the store currency)."""
    if isinstance(provider, OffersMethods):
        return provider.methods(channel)
    return (CARD,) if takes_payments(provider, channel) else ()


def confirmed_in_chat(provider: PaymentProvider, channel: Channel) -> ConfirmedInChat | None:
    """The provider serving `channel`, when the chat itself confirms its payments."""
    found = provider_for(provider, channel)
    return found if isinstance(found, ConfirmedInChat) else None
