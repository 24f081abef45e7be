"""The payment port the checkout flow calls. Providers (demo, Stripe, Telegram invoices)
implement it; `bot/` chooses one by configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from store.models import Order


@dataclass(frozen=True)
class Checkout:
    """Where the buyer pays for an order."""

    provider: str
    reference: str  # the provider's id for this checkout (a Checkout Session id, …)
    url: str  # a link the buyer opens to pay
    expires_at: datetime | None = None


class PaymentProvider(Protocol):
    name: str

    def start_checkout(
        self, session: Session, order: Order, *, locale: str, now: datetime
    ) -> Checkout:
        """Create (or return the existing) checkout for an order awaiting payment."""
        ...
