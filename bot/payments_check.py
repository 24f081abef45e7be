"""What `soko run` and `soko web` say about payments when they start: one warning when buyers
on a chat the shop serves cannot pay (no provider for it), pay with the demo card, which
takes no money, or pay on Stripe while Stripe cannot tell the shop (no webhook secret)."""

from __future__ import annotations

import logging

from bot import plugins
from bot.container import Container
from bot.stripe_wiring import RECONCILE_MINUTES
from bot.wiring import payment_provider
from store.models import Channel
from store.payment_port import confirmed_in_chat, takes_payments

logger = logging.getLogger(__name__)

CHATS = {p.channel: p.name for p in plugins.CHANNELS if p.sells}


def served_chats(container: Container) -> tuple[Channel, ...]:
    """The chats whose buyers this shop serves; all of them while none is set up yet."""
    settings = container.settings
    served = tuple(p.channel for p in plugins.CHANNELS if p.sells and p.enabled(settings))
    return served or tuple(CHATS)


def stripe_without_webhook_secret(container: Container) -> bool:
    settings = container.settings
    return bool(settings.stripe_secret_key.get_secret_value()) and not (
        settings.stripe_webhook_secret.get_secret_value()
    )


def warn_about_payments(container: Container) -> None:
    payments = payment_provider(container)
    chats = served_chats(container)
    closed = [channel for channel in chats if not takes_payments(payments, channel)]
    if closed:
        settings = "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
        if Channel.TELEGRAM in closed:
            settings += " (or, for Telegram buyers, TELEGRAM_PAYMENT_PROVIDER_TOKEN)"
        logger.warning(
            "Paying is not open: buyers on %s are told so at checkout and can place no order."
            " Set %s to take payments.",
            " and ".join(CHATS[channel] for channel in closed),
            settings,
        )
    elif stripe_without_webhook_secret(container):
        logger.warning(
            "STRIPE_WEBHOOK_SECRET is not set: buyers pay on Stripe, but /webhooks/stripe"
            " refuses Stripe's events (503), so a paid order stays unpaid until the"
            " scheduler's reconcile finds its payment (every %s minutes) or you run"
            " `soko admin reconcile`. Set STRIPE_WEBHOOK_SECRET to the signing secret of the"
            " webhook endpoint.",
            RECONCILE_MINUTES,
        )
    elif any(confirmed_in_chat(payments, channel) for channel in chats):
        logger.warning(
            "PAYMENTS_DEMO is on: buyers pay with the demo card, which takes no money (demos"
            " and local work only). Set STRIPE_SECRET_KEY to take real payments."
        )
