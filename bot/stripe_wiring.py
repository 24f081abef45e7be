"""Stripe, wired from the settings: the client (honouring STRIPE_API_BASE_URL, so tests and
proxies can stand in for api.stripe.com), the payment provider and the webhook.
Calls to Stripe run as effects after the commit that asked for them (`bot/effects.py`); the
scheduler queues the refunds that chat cancellations write down (`send_stripe_refunds`) and
runs the repairs of `soko admin reconcile` every few minutes (`reconcile_stripe`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import stripe
from starlette.routing import BaseRoute

from bot.container import Container
from handlers.stripe.webhook import stripe_webhook_routes, unverifiable_webhook_route
from payments.stripe_checkout import StripePayments
from store.models.types import utcnow

# (connect, read) seconds. Stripe answers in well under a second; a call it does not answer
# fails after this, and the effect runner tries again with backoff (each call runs outside
# any transaction, so a slow Stripe holds one runner thread, never the database).
STRIPE_TIMEOUT = (5.0, 20.0)
# The library's own quick retries (connection errors, 409, 5xx; with our idempotency keys,
# safe): one, so a call takes at most ~45 s, well inside an effect's lease (2 minutes).
STRIPE_RETRIES = 1


def stripe_payments(container: Container) -> StripePayments | None:
    """The Stripe provider when STRIPE_SECRET_KEY is set, else ``None``."""
    settings = container.settings
    key = settings.stripe_secret_key.get_secret_value()
    if not key:
        return None
    client = stripe.StripeClient(
        key,
        base_addresses={"api": settings.stripe_api_base_url},
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT),
        max_network_retries=STRIPE_RETRIES,
    )
    return StripePayments(client, settings.public_base_url)


def stripe_routes(
    container: Container, *, clock: Callable[[], datetime] = utcnow
) -> list[BaseRoute]:
    """The webhook, when STRIPE_SECRET_KEY is set: it verifies and applies Stripe's events
    with STRIPE_WEBHOOK_SECRET, and answers 503 without it (Stripe sends them again later).
    Without the key, no route (404). The pages Stripe returns buyers to are the web app's
    own: `/checkout/success`, `/checkout/cancel`."""
    settings = container.settings
    payments = stripe_payments(container)
    secret = settings.stripe_webhook_secret.get_secret_value()
    if payments is None:
        return []
    if not secret:
        return [unverifiable_webhook_route()]
    return [
        *stripe_webhook_routes(
            container.uow_factory,
            payments,
            secret,
            clock,
            on_refused=container.metrics.signature_failed("stripe"),
        )
    ]
