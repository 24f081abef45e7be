"""M-Pesa STK push, wired: the provider on the process's Daraja client, the callback route
(`/webhooks/mpesa/stk/{MPESA_CALLBACK_TOKEN}`, `handlers/mpesa/stk_webhook.py`), the job that
queries pushes whose callback never came, and the STK part of `soko admin reconcile`
(`bot/mpesa_wiring.py` puts them in the plug-in)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from starlette.routing import BaseRoute

from bot.container import Container
from bot.plugin import ScheduledJob
from handlers.mpesa.stk_webhook import stk_webhook_routes
from payments.mpesa.client import DarajaClient
from payments.mpesa.stk import PROVIDER, MpesaStk
from payments.mpesa.stk_results import queue_due_queries
from store.models import Order, StkPush, StkPushStatus
from store.models.types import utcnow

logger = logging.getLogger(__name__)

# An STK push is answered or given up by Daraja within minutes: a day back sees every one
# that may still be open.
RECONCILE_LOOKBACK = timedelta(days=1)


def stk_provider(container: Container, client: Callable[[], DarajaClient]) -> MpesaStk:
    """The STK push provider (the payment port), built once per container on the
    process's Daraja client."""
    settings = container.settings

    def build() -> MpesaStk:
        token = settings.mpesa_callback_token.get_secret_value()
        return MpesaStk(client(), settings.public_base_url, token)

    return container.once("mpesa.stk", build)


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
