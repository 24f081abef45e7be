"""Wiring the chat engine: the shop's rules and ports from the settings, the flows, the engine.

Every channel adapter (console, Telegram, WhatsApp) gets its engine from `build_engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.container import Container
from bot.metrics import MeasuredEngine
from bot.stripe_wiring import stripe_payments
from conversations.engine import Engine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.photos import PhotoIntake
from conversations.shop import Shop, ShopConfig
from payments.demo import DemoPayments
from payments.port import Checkout, NoPayments, PaymentProvider
from payments.telegram_invoice import TelegramInvoices
from store.media.storage import LocalMediaStore, MediaStore
from store.models import Channel, Order
from store.models.types import utcnow


def photo_intake(container: Container) -> PhotoIntake:
    """What every channel adapter runs on a photo before recording it (pipeline + store)."""
    return PhotoIntake(container.media_store, container.photo_limits)


def shop_config(container: Container) -> ShopConfig:
    settings = container.settings
    return ShopConfig(
        pricing=container.pricing,
        photo_limits=container.photo_limits,
        max_price_minor=settings.max_price_minor,
        artisan_currency=settings.artisan_currency,
        reservation=timedelta(minutes=settings.reservation_minutes),
        qualification=container.qualification_rules,
        mentor_threshold=container.mentor_threshold,
        public_base_url=settings.public_base_url,
        artisan_timezone=settings.artisan_timezone,
        telegram_bot_username=container.telegram_bot_username,
        whatsapp_number=settings.twilio_whatsapp_from.removeprefix("whatsapp:"),
        default_locale=settings.default_locale,
    )


class ChannelPayments:
    """Telegram buyers pay with Telegram's native invoices; everyone else with `default`."""

    name = "by-channel"

    def __init__(self, telegram: TelegramInvoices, default: PaymentProvider) -> None:
        self.telegram = telegram
        self.default = default

    def for_channel(self, channel: Channel) -> PaymentProvider:
        return self.telegram if channel is Channel.TELEGRAM else self.default

    def start_checkout(
        self, session: Session, order: Order, *, locale: str, now: datetime
    ) -> Checkout:
        return self.for_channel(order.channel).start_checkout(
            session, order, locale=locale, now=now
        )


def telegram_invoices(container: Container) -> TelegramInvoices | None:
    """Telegram invoices when both the bot and TELEGRAM_PAYMENT_PROVIDER_TOKEN are set."""
    settings = container.settings
    token = settings.telegram_payment_provider_token.get_secret_value()
    if not token or not settings.telegram_bot_token.get_secret_value():
        return None
    return TelegramInvoices(token)


def payment_provider(container: Container) -> PaymentProvider:
    """Stripe Checkout when STRIPE_SECRET_KEY is set; else the demo card when PAYMENTS_DEMO
    is on; else none (the checkout says paying is not open yet). Telegram buyers pay by
    native invoice when TELEGRAM_PAYMENT_PROVIDER_TOKEN is set."""
    settings = container.settings
    stripe = stripe_payments(container)
    default: PaymentProvider
    if stripe is not None:
        default = stripe
    elif settings.payments_demo:
        default = DemoPayments(settings.public_base_url)
    else:
        default = NoPayments()
    telegram = telegram_invoices(container)
    return default if telegram is None else ChannelPayments(telegram, default)


def build_shop(container: Container, payments: PaymentProvider | None = None) -> Shop:
    return Shop(
        shop_config(container),
        container.media_store,
        payments if payments is not None else payment_provider(container),
    )


def build_engine(
    container: Container,
    *,
    shop: Shop | None = None,
    flows: FlowRegistry | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Engine:
    return MeasuredEngine(
        container.uow_factory,
        flows if flows is not None else builtin_registry(),
        shop if shop is not None else build_shop(container),
        clock,
        observe=container.metrics.observe_handle,
        stopping=container.stopping,
    )


def image_location(media: MediaStore) -> Callable[[str], str]:
    """Where a person at this machine can open a stored image: a file path when the media
    store is a local folder, else its public URL."""
    if isinstance(media, LocalMediaStore):
        return lambda key: str(media.path_for(key))
    return media.url
