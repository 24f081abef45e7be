"""The payment port the checkout flow calls. Providers (demo, Stripe, Telegram invoices)
implement it; `bot/` chooses one by configuration.

The flow asks the port two things before it shows a way to pay: can buyers on this channel
pay at all (`takes_payments`: not where `bot/` wired `NoPayments`), and does the provider
want the chat to confirm the payment itself (`confirmed_in_chat`: the demo card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from conversations.messages import Invoice
from store.errors import StoreError
from store.models import Channel, Order

if TYPE_CHECKING:
    from payments.completion import CompletionResult


@dataclass(frozen=True)
class Checkout:
    """Where the buyer pays for an order."""

    provider: str
    reference: str  # the provider's id for this checkout (a Checkout Session id, …)
    url: str  # a link the buyer opens to pay ("" when the chat shows an invoice instead)
    expires_at: datetime | None = None
    invoice: Invoice | None = None  # a native in-chat invoice to show instead of the link
    # The link is being made after this unit of work commits (an effect): the chat says so,
    # and the buyer is sent the link as soon as the provider answers.
    pending: bool = False


class PaymentProvider(Protocol):
    name: str

    def start_checkout(
        self, session: Session, order: Order, *, locale: str, now: datetime
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


class PaymentsNotOpen(StoreError):
    def __init__(self, order_code: str) -> None:
        super().__init__(f"no payment provider takes payments for order {order_code}")


class NoPayments:
    """Where no provider serves a channel's buyers: paying is not open, so the checkout
    places no order (and a pending one is not offered a way to pay)."""

    name = "none"

    def start_checkout(
        self, session: Session, order: Order, *, locale: str, now: datetime
    ) -> Checkout:
        raise PaymentsNotOpen(order.code)


def provider_for(provider: PaymentProvider, channel: Channel) -> PaymentProvider:
    """The provider that serves buyers on `channel`."""
    return provider.for_channel(channel) if isinstance(provider, PerChannel) else provider


def takes_payments(provider: PaymentProvider, channel: Channel) -> bool:
    """Whether buyers on `channel` can pay: some provider serves them."""
    return not isinstance(provider_for(provider, channel), NoPayments)


def confirmed_in_chat(provider: PaymentProvider, channel: Channel) -> ConfirmedInChat | None:
    """The provider serving `channel`, when the chat itself confirms its payments."""
    found = provider_for(provider, channel)
    return found if isinstance(found, ConfirmedInChat) else None
