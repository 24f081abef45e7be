"""Wiring the chat engine: the shop's rules and ports from the settings, the flows, the engine.

Every channel adapter (console, Telegram, WhatsApp) gets its engine from `build_engine`; the
channel and provider plug-ins (`bot/plugins.py`) are built here, once per container.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot import plugins
from bot.container import Container
from bot.market_rules import market_rules
from bot.metrics import MeasuredEngine
from bot.plugin import ChannelPlugin, Host
from conversations.engine import ChatEngine
from conversations.floods import FloodLimit
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.marketplace import Marketplace
from payments.port import PaymentProvider
from store.media.storage import LocalMediaStore, MediaStore
from store.models.types import utcnow

__all__ = [
    "build_engine",
    "build_marketplace",
    "channel_plugins",
    "host",
    "image_location",
    "payment_provider",
]


def payment_provider(container: Container) -> PaymentProvider:
    """The payment port of this shop, from the provider plug-ins the settings turn on
    (`bot/plugins.py`): Stripe Checkout when STRIPE_SECRET_KEY is set, else the demo card
    when PAYMENTS_DEMO is on, else none (the checkout says paying is not open yet); Telegram
    buyers pay by native invoice when TELEGRAM_PAYMENT_PROVIDER_TOKEN is set. One per
    container."""
    return container.once("payments.port", lambda: plugins.payment_provider(container))


def host(container: Container) -> Host:
    """What channel plug-ins are built with."""
    return Host(
        container,
        lambda: build_marketplace(container),
        lambda market: build_engine(container, market=market),
    )


def channel_plugins(container: Container) -> list[ChannelPlugin]:
    """The channels the settings turn on, each built once per container."""
    return plugins.channels(host(container))


def build_marketplace(container: Container, payments: PaymentProvider | None = None) -> Marketplace:
    return Marketplace(
        market_rules(container),
        container.media_store,
        payments if payments is not None else payment_provider(container),
        plugins.channel_capabilities(),
    )


def build_engine(
    container: Container,
    *,
    market: Marketplace | None = None,
    flows: FlowRegistry | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> ChatEngine:
    return MeasuredEngine(
        container.uow_factory,
        flows if flows is not None else builtin_registry(),
        market if market is not None else build_marketplace(container),
        clock,
        observe=container.metrics.observe_handle,
        stopping=container.stopping,
        flood=FloodLimit(
            container.settings.flood_messages,
            timedelta(seconds=container.settings.flood_seconds),
        ),
    )


def image_location(media: MediaStore) -> Callable[[str], str]:
    """Where a person at this machine can open a stored image: a file path when the media
    store is a local folder, else its public URL."""
    if isinstance(media, LocalMediaStore):
        return lambda key: str(media.path_for(key))
    return media.url
