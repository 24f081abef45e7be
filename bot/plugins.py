"""The plug-ins this shop can run, and the one place each is registered. A channel or a
payment provider is added by writing its plug-in (`bot/plugin.py` says what one is) and one
line here. Settings turn each on (`enabled`); what is on is built once per container, and
`soko run`, `soko web` and `soko scheduler` take what they need from these lists.

The order of `PROVIDERS` is the order of preference: a buyer pays with the first provider on
that offers the way to pay she chose (`ProviderPlugin.method`) and serves her channel, the
order's currency and her country."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import MappingProxyType

from sqlalchemy.orm import Session

from bot.container import Container
from bot.demo_payments import DemoPlugin
from bot.emulator import WebEmulatorPlugin
from bot.mpesa_wiring import MpesaPlugin
from bot.plugin import ChannelPlugin, Host, ProviderPlugin
from bot.stripe_wiring import StripePlugin
from bot.telegram import TelegramPlugin
from bot.telegram_invoices import TelegramInvoicesPlugin
from bot.whatsapp import WhatsAppPlugin
from conversations.capabilities import Capabilities
from store.models import Channel, Order
from store.payment_port import (
    CARD,
    Checkout,
    CheckoutLabels,
    NoPayments,
    PaymentMethod,
    PaymentProvider,
)

CHANNELS: tuple[type[ChannelPlugin], ...] = (
    TelegramPlugin,
    WhatsAppPlugin,
    WebEmulatorPlugin,
)

PROVIDERS: tuple[type[ProviderPlugin], ...] = (
    MpesaPlugin,
    TelegramInvoicesPlugin,
    StripePlugin,
    DemoPlugin,
)


def channel_capabilities() -> Capabilities:
    """What each registered channel can do (whether or not it is on here)."""
    return capabilities_of(CHANNELS)


def capabilities_of(channels: Iterable[type[ChannelPlugin]]) -> Capabilities:
    return Capabilities(MappingProxyType({p.channel: p.capabilities for p in channels}))


def channels(host: Host) -> list[ChannelPlugin]:
    """The channels the settings turn on, built once per container."""
    container = host.container
    return container.once(
        "plugins.channels",
        lambda: [p(host) for p in CHANNELS if p.enabled(container.settings)],
    )


def providers(container: Container) -> list[ProviderPlugin]:
    """The payment providers the settings turn on, in order of preference, built once."""
    return container.once(
        "plugins.providers",
        lambda: [p(container) for p in PROVIDERS if p.enabled(container.settings)],
    )


class ProviderChoice:
    """The payment port flows see when providers share the buyers: each checkout goes to the
    first provider of the order's way to pay (`Order.payment_method`) that says it serves the
    order's channel, currency and country; an order that chose none (or a way no longer on)
    to the first that serves it."""

    name = "by-channel"

    def __init__(self, choices: list[ProviderPlugin], currency: str) -> None:
        self.choices = choices
        self.currency = currency  # the shop's, for a channel asked about before any order

    def _first(self, channel: Channel, currency: str, country: str) -> PaymentProvider:
        for choice in self.choices:
            if choice.serves(channel, currency, country):
                return choice.port
        return NoPayments()

    def for_channel(self, channel: Channel) -> PaymentProvider:
        return self._first(channel, self.currency, "")

    def methods(self, channel: Channel) -> tuple[PaymentMethod, ...]:
        """The ways to pay on for `channel`, each once, in order of preference."""
        found: dict[str, PaymentMethod] = {}
        for choice in self.choices:
            method = choice.method
            if method.key not in found and choice.serves(
                channel, method.currency or self.currency, ""
            ):
                found[method.key] = method
        return tuple(found.values())

    def _chosen(self, order: Order) -> PaymentProvider:
        for choice in self.choices:
            if choice.method.key == order.payment_method and choice.serves(
                order.channel, order.currency, order.shipping_country
            ):
                return choice.port
        return self._first(order.channel, order.currency, order.shipping_country)

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        provider = self._chosen(order)
        return provider.start_checkout(session, order, locale=locale, labels=labels, now=now)


def payment_provider(container: Container) -> PaymentProvider:
    """The port flows pay through: none on (the checkout says paying is not open yet), the
    one card provider that serves every channel, or the choice between those on."""
    on = providers(container)
    currency = container.settings.store_currency
    if not on:
        return NoPayments()
    first = on[0]
    by_card_alone = all(p.method == CARD for p in on)
    if by_card_alone and all(first.serves(channel, currency, "") for channel in Channel):
        return first.port
    return ProviderChoice(on, currency)
