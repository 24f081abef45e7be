"""A `Marketplace` (rules + ports) for tests: local media, a recording payment provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.plugins import channel_capabilities
from conversations.hub_rules import DIRECT
from conversations.marketplace import Marketplace, MarketRules
from store.media.storage import LocalMediaStore
from store.models import Order
from store.payment_port import Checkout, CheckoutLabels, OpenLink
from store.pricing import PricingPolicy

TEST_PRICING = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)


@dataclass
class RecordingPayments:
    """Hands out fake checkout links and remembers which orders asked for one."""

    name: str = "test"
    started: list[str] = field(default_factory=list)

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        self.started.append(order.code)
        return Checkout(self.name, f"test_{order.code}", OpenLink(f"https://pay.test/{order.code}"))


def make_market(media_dir: Path, **config: object) -> Marketplace:
    # Shops ship directly unless a test says otherwise: the hub has its own tests.
    config.setdefault("hub", DIRECT)
    return Marketplace(
        config=MarketRules(pricing=TEST_PRICING, **config),  # type: ignore[arg-type]
        media=LocalMediaStore(media_dir, "http://localhost:8000"),
        payments=RecordingPayments(),
        capabilities=channel_capabilities(),  # what the registered channel plug-ins say
    )
