"""The M-Pesa plug-in (Safaricom's Daraja API): buyers in Kenya pay by STK push
(`payments/mpesa/stk.py`: the port, its effects, the callback at
`/webhooks/mpesa/stk/{MPESA_CALLBACK_TOKEN}`, the job that queries pushes whose callback
never came, and the STK part of `soko admin reconcile`); artisans are paid by B2C. One Daraja
client per process, built from the MPESA_* settings. On when MPESA_CONSUMER_KEY is set; it
serves orders priced in Kenyan shillings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from starlette.routing import BaseRoute

from bot.container import Container
from bot.plugin import AdminReport, ProviderPlugin, ScheduledJob
from bot.settings import Settings
from handlers.mpesa.stk_webhook import stk_webhook_routes
from payments.mpesa.client import DarajaClient, DarajaConfig
from payments.mpesa.stk import MpesaStk
from payments.mpesa.stk_effects import stk_effect_kinds
from payments.mpesa.stk_results import queue_due_queries
from store.effect_runner import EffectKind
from store.models import Channel, Order, StkPush, StkPushStatus
from store.models.types import utcnow
from store.payment_port import PaymentMethod

logger = logging.getLogger(__name__)

PROVIDER = "mpesa"
CURRENCY = "KES"
# An STK push is answered or given up by Daraja within minutes: a day back sees every one
# that may still be open.
RECONCILE_LOOKBACK = timedelta(days=1)


def daraja_config(settings: Settings) -> DarajaConfig:
    certificate = settings.mpesa_cert_file.read_bytes() if settings.mpesa_cert_file else b""
    return DarajaConfig(
        base_url=settings.mpesa_api_base_url,
        consumer_key=settings.mpesa_consumer_key.get_secret_value(),
        consumer_secret=settings.mpesa_consumer_secret.get_secret_value(),
        shortcode=settings.mpesa_shortcode,
        passkey=settings.mpesa_passkey.get_secret_value(),
        transaction_type=settings.mpesa_transaction_type.value,
        initiator_name=settings.mpesa_initiator_name,
        initiator_password=settings.mpesa_initiator_password.get_secret_value(),
        certificate=certificate,
    )


def daraja_client(container: Container) -> DarajaClient:
    """The process's one Daraja client (its token cache and connection pool are shared)."""
    return container.once("mpesa.client", lambda: DarajaClient(daraja_config(container.settings)))


def mpesa_stk(container: Container) -> MpesaStk:
    """The STK push provider (the payment port), built once per container."""
    settings = container.settings

    def build() -> MpesaStk:
        token = settings.mpesa_callback_token.get_secret_value()
        return MpesaStk(daraja_client(container), settings.public_base_url, token)

    return container.once("mpesa.stk", build)


def effect_kinds(container: Container) -> list[EffectKind]:
    """The M-Pesa calls that run as effects, when M-Pesa is on (`bot/effects.py`)."""
    if not MpesaPlugin.enabled(container.settings):
        return []
    return [*stk_effect_kinds(mpesa_stk(container))]


def stk_routes(container: Container) -> list[BaseRoute]:
    token = container.settings.mpesa_callback_token.get_secret_value()
    on_refused = container.metrics.signature_failed(PROVIDER)
    return [*stk_webhook_routes(container.uow_factory, token, utcnow, on_refused)]


def stk_jobs(container: Container, clock: Callable[[], datetime]) -> list[ScheduledJob]:
    uow_factory = container.uow_factory

    def query_open_pushes() -> None:
        with uow_factory() as uow:
            asked = queue_due_queries(uow.session, clock())
            uow.commit()
        if asked:
            logger.info("M-Pesa: %s STK push(es) without an answer queried", len(asked))

    zone = container.settings.artisan_timezone
    return [
        ScheduledJob(
            "query_mpesa_pushes",
            IntervalTrigger(minutes=1, timezone=zone),
            query_open_pushes,
            30,
            "Ask Daraja about STK pushes unanswered 2 minutes after they were sent (lost"
            " callbacks); give up pushes whose sending was never confirmed",
        ),
    ]


def stk_reconcile(
    container: Container, since: datetime, now: datetime, run_effects: Callable[[], int]
) -> list[str]:
    """Every push sent since `since` (a day at most) and not answered is queried now; the
    answers are applied as the callbacks' would be."""
    since = max(since, now - RECONCILE_LOOKBACK)
    with container.uow_factory() as uow:
        asked = queue_due_queries(uow.session, now, since=since)
        uow.commit()
    ran = run_effects()
    with container.uow_factory(read_only=True) as uow:
        rows = uow.session.execute(
            select(StkPush.status, Order.code)
            .join(Order, Order.id == StkPush.order_id)
            .where(StkPush.id.in_(asked))
            .order_by(StkPush.id)
        ).all()
    by_status: dict[StkPushStatus, list[str]] = {}
    for status, code in rows:
        by_status.setdefault(status, []).append(code)

    def codes(status: StkPushStatus) -> str:
        return ", ".join(by_status.get(status, [])) or "none"

    return [
        f"M-Pesa STK pushes asked about: {len(asked)}",
        f"paid: {codes(StkPushStatus.PAID)}",
        f"failed: {codes(StkPushStatus.FAILED)}",
        f"still waiting for the buyer: {codes(StkPushStatus.SENT)}",
        f"effects run: {ran}",
    ]


class MpesaPlugin(ProviderPlugin):
    name = PROVIDER
    title = "M-Pesa"
    pays_as = PROVIDER
    setting = "MPESA_CONSUMER_KEY"
    method = PaymentMethod(PROVIDER, CURRENCY, asks_phone=True, home_country="KE")

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(settings.mpesa_consumer_key.get_secret_value())

    @property
    def client(self) -> DarajaClient:
        return daraja_client(self.container)

    @property
    def port(self) -> MpesaStk:
        return mpesa_stk(self.container)

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return currency == CURRENCY

    def routes(self) -> list[BaseRoute]:
        return [*stk_routes(self.container)]

    def jobs(self, clock: Callable[[], datetime]) -> list[ScheduledJob]:
        return [*stk_jobs(self.container, clock)]

    def reconcile(
        self, since: datetime, now: datetime, run_effects: Callable[[], int]
    ) -> AdminReport | None:
        lines = [*stk_reconcile(self.container, since, now, run_effects)]
        return AdminReport(lines, ok=True)
