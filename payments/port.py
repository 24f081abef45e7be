"""The payment port the checkout flow calls. Providers (demo, Stripe, Telegram invoices)
implement it; `bot/` chooses one by configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from conversations.messages import Invoice
from store.models import Channel, Order


@dataclass(frozen=True)
class Checkout:
    """Where the buyer pays for an order."""

    provider: str
    reference: str  # the provider's id for this checkout (a Checkout Session id, …)
    url: str  # a link the buyer opens to pay ("" when the chat shows an invoice instead)
    expires_at: datetime | None = None
    invoice: Invoice | None = None  # a native in-chat invoice to show instead of the link


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


def provider_for(provider: PaymentProvider, channel: Channel) -> PaymentProvider:
    """The provider that serves buyers on `channel`."""
    return provider.for_channel(channel) if isinstance(provider, PerChannel) else provider
