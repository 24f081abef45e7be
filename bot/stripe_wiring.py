"""The Stripe plug-in: the client (one per process, honouring STRIPE_API_BASE_URL, so tests
and proxies can stand in for api.stripe.com; explicit timeouts), the payment port, the
webhook, and the jobs: queueing the refunds that cancellations write down
(`send_stripe_refunds`) and, every few minutes, the repairs of `soko admin reconcile`
(`reconcile_stripe`); and `soko admin`'s hooks: refunds and reconcile. Calls to Stripe run
as effects, after the commit that asked for them (`bot/effects.py`). On when
STRIPE_SECRET_KEY is set; it serves buyers on every channel, in any currency."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import stripe
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from bot.container import Container
from bot.plugin import AdminError, AdminReport, ProviderPlugin, Refunds, ScheduledJob
from bot.settings import Settings
from handlers.stripe.webhook import stripe_webhook_routes, unverifiable_webhook_route
from payments import refunds
from payments.reconcile import reconcile
from payments.refunds import Outcome, RefusedRequest, Requested, queue_due_refunds
from payments.stripe_checkout import PROVIDER, StripePayments, close_checkout
from store import events
from store.models import Channel, Order
from store.models.types import utcnow
from store.money import Money
from store.services.orders import UnpaidOrderCancelled

logger = logging.getLogger(__name__)

RECONCILE_MINUTES = 10
# A Checkout Session stays open at most 24 hours: a day back sees every one still payable.
RECONCILE_LOOKBACK = timedelta(days=1)
# (connect, read) seconds. Stripe answers in well under a second; a call it does not answer
# fails after this, and the effect runner tries again with backoff (each call runs outside
# any transaction, so a slow Stripe holds one runner thread, never the database).
STRIPE_TIMEOUT = (5.0, 20.0)
# The library's own quick retries (connection errors, 409, 5xx; with our idempotency keys,
# safe): one, so a call takes at most ~45 s, well inside an effect's lease (2 minutes).
STRIPE_RETRIES = 1


def stripe_payments(container: Container) -> StripePayments | None:
    """The Stripe provider when STRIPE_SECRET_KEY is set, else ``None``; one client per
    container (its connection pool and retries are shared by every caller)."""
    if not StripePlugin.enabled(container.settings):
        return None
    subscribe_checkout_closing()
    return container.once("stripe.payments", lambda: _build(container.settings))


def subscribe_checkout_closing() -> None:
    """A cancelled (or replaced) unpaid order's pay page is closed at Stripe (idempotent)."""
    events.subscribe(UnpaidOrderCancelled, _close_checkout)


def _close_checkout(session: Session, event: UnpaidOrderCancelled, now: datetime) -> None:
    close_checkout(session, event.order, now)


def _build(settings: Settings) -> StripePayments:
    client = stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base_url},
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT),
        max_network_retries=STRIPE_RETRIES,
    )
    return StripePayments(client, settings.public_base_url)


class StripePlugin(ProviderPlugin):
    name = "stripe"
    title = "Stripe"
    pays_as = PROVIDER
    setting = "STRIPE_SECRET_KEY"

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.stripe_secret_key.get_secret_value())

    @property
    def port(self) -> StripePayments:
        payments = stripe_payments(self.container)
        assert payments is not None  # enabled
        return payments

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return True

    def routes(self) -> list[BaseRoute]:
        return stripe_routes(self.container)

    def jobs(self, clock: Callable[[], datetime]) -> list[ScheduledJob]:
        return stripe_jobs(self.container, self.port, clock)

    def refunds(self) -> Refunds:
        return StripeRefunds()

    def reconcile(
        self, since: datetime, now: datetime, run_effects: Callable[[], int]
    ) -> AdminReport:
        try:
            report = reconcile(self.container.uow_factory, self.port, now, since=since)
        except stripe.StripeError as exc:  # nothing was written: the unit of work rolled back
            raise AdminError(f"Stripe said: {exc.user_message or type(exc).__name__}") from exc
        unbalanced = ", ".join(map(str, report.unbalanced_transactions)) or "none"
        lines = [
            f"Checkout Sessions seen: {report.sessions_seen}",
            f"events replayed: {', '.join(report.events_replayed) or 'none'}",
            f"orders completed: {', '.join(report.orders_completed) or 'none'}",
            f"refunds queued: {report.refunds_queued}",
            f"effects run: {run_effects()}",
            f"unbalanced ledger transactions: {unbalanced}",
            *(f"error: {error}" for error in report.errors),
        ]
        return AdminReport(lines, ok=not (report.errors or report.unbalanced_transactions))


class StripeRefunds:
    """Refunds through Stripe (`payments/refunds.py`): a ledger reversal and a request the
    effect runner sends."""

    def refund(
        self,
        session: Session,
        order: Order,
        line_id: int | None,
        amount: Money | None,
        reason: str,
        now: datetime,
    ) -> Requested:
        if line_id is None:
            if amount is not None:
                raise ValueError("--amount needs --line")
            return refunds.refund_order(session, order, reason, now)
        return refunds.refund_line(session, order, line_id, amount, reason, now)

    def retry(self, session: Session, order: Order, now: datetime) -> list[Requested]:
        return refunds.retry_refused(session, order, now)

    def outcome(self, session: Session, request_id: str) -> Outcome:
        return refunds.outcome(session, request_id)

    def refused(self, session: Session, order: Order) -> list[RefusedRequest]:
        return refunds.refused_requests(session, order)


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


def stripe_jobs(
    container: Container, stripe: StripePayments, clock: Callable[[], datetime]
) -> list[ScheduledJob]:
    uow_factory = container.uow_factory
    zone = container.settings.artisan_timezone

    def refunds() -> None:
        queued = queue_due_refunds(uow_factory, clock())
        if queued:
            logger.info("stripe: %s refund(s) queued", queued)

    def repair() -> None:
        now = clock()
        report = reconcile(uow_factory, stripe, now, since=now - RECONCILE_LOOKBACK)
        done = report.orders_completed + report.events_replayed
        if done:
            logger.info("stripe reconcile: repaired %s", ", ".join(done))
        for error in report.errors:
            logger.warning("stripe reconcile: %s", error)
        if report.unbalanced_transactions:
            logger.warning(
                "ledger transactions that do not balance: %s (a person must look)",
                ", ".join(map(str, report.unbalanced_transactions)),
            )

    return [
        ScheduledJob(
            "send_stripe_refunds",
            IntervalTrigger(minutes=1, timezone=zone),
            refunds,
            30,
            "Queue the Stripe refunds that cancellations wrote down (effects send them)",
        ),
        ScheduledJob(
            "reconcile_stripe",
            IntervalTrigger(minutes=RECONCILE_MINUTES, timezone=zone),
            repair,
            5 * 60,
            "What `soko admin reconcile` repairs: paid sessions whose webhook never came,"
            " events recorded but not applied",
        ),
    ]
