"""The M-Pesa plug-in's payouts (B2C), wired: the result and timeout webhooks, the effects
that call Daraja, the jobs (status queries for payouts unanswered after ten minutes; with
MPESA_AUTO_PAYOUTS, a payout run every Friday at 10:00 Nairobi time), and `soko admin`'s
`payouts` hook and reconcile lines. On when the plug-in is on and the B2C settings are set
(the initiator, its password, Safaricom's certificate, and the callback token)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from bot.container import Container
from bot.plugin import AdminError, ScheduledJob
from bot.settings import Settings
from handlers.mpesa.payouts import payout_webhook_routes
from payments.mpesa.client import DarajaClient
from payments.mpesa.models import KES
from payments.mpesa.payout_effects import payout_effect_kinds
from payments.mpesa.payouts import (
    Queued,
    Skipped,
    ask_now,
    due_for_query,
    payout_urls,
    recent,
    send_payouts,
    unresolved,
)
from store.effect_runner import EffectKind
from store.models import MpesaPayoutStatus
from store.models.types import utcnow
from store.money import Money
from store.phones import shown_phone

logger = logging.getLogger(__name__)

NAIROBI = "Africa/Nairobi"  # M-Pesa's day: the weekly run is at 10:00 there, whatever ours
B2C_SETTINGS = (
    "MPESA_INITIATOR_NAME, MPESA_INITIATOR_PASSWORD, MPESA_CERT_FILE and MPESA_CALLBACK_TOKEN"
)


def payouts_on(settings: Settings) -> bool:
    return bool(
        settings.mpesa_consumer_key.get_secret_value()
        and settings.mpesa_initiator_name
        and settings.mpesa_cert_file
        and settings.mpesa_callback_token.get_secret_value()
    )


def payout_routes(container: Container) -> list[BaseRoute]:
    token = container.settings.mpesa_callback_token.get_secret_value()
    if not token:
        return []
    refused = container.metrics.signature_failed("mpesa")
    return list(payout_webhook_routes(container.uow_factory, token, utcnow, refused))


def payout_effects(container: Container, client: Callable[[], DarajaClient]) -> list[EffectKind]:
    settings = container.settings
    if not payouts_on(settings):
        return []
    urls = payout_urls(settings.public_base_url, settings.mpesa_callback_token.get_secret_value())
    return payout_effect_kinds(client(), urls, container.uow_factory)


def run_payouts(
    container: Container, now: datetime, slugs: Sequence[str] = (), by: int | None = None
) -> list[Queued | Skipped]:
    """A payout run: queued in one unit of work; the calls go out after its commit."""
    settings = container.settings
    with container.uow_factory() as uow:
        outcomes = send_payouts(
            uow.session,
            currency=settings.artisan_currency,
            minimum_minor=settings.mpesa_payout_min_minor,
            now=now,
            slugs=slugs,
            requested_by_user_id=by,
        )
        uow.commit()
    return outcomes


def payout_jobs(container: Container, clock: Callable[[], datetime]) -> list[ScheduledJob]:
    settings = container.settings
    if not payouts_on(settings):
        return []

    def query() -> None:
        with container.uow_factory() as uow:
            asked = due_for_query(uow.session, clock())
            uow.commit()
        if asked:
            logger.info("mpesa payouts: %s status quer(ies) sent", asked)

    def weekly() -> None:
        if settings.artisan_currency != KES:
            logger.error("mpesa payouts: not run: ARTISAN_CURRENCY is not KES")
            return
        queued = [o for o in run_payouts(container, clock()) if isinstance(o, Queued)]
        logger.info("mpesa payouts: weekly run queued %s payout(s)", len(queued))

    jobs = [
        ScheduledJob(
            "query_mpesa_payouts",
            IntervalTrigger(minutes=1, timezone=ZoneInfo(settings.artisan_timezone)),
            query,
            30,
            "Ask M-Pesa about payouts with no result ten minutes after sending",
        )
    ]
    if settings.mpesa_auto_payouts:
        jobs.append(
            ScheduledJob(
                "mpesa_weekly_payouts",
                CronTrigger(day_of_week="fri", hour=10, minute=0, timezone=ZoneInfo(NAIROBI)),
                weekly,
                6 * 3600,  # a scheduler down at 10:00 still pays that morning
                "Pay every artisan's available balance by M-Pesa (MPESA_AUTO_PAYOUTS)",
            )
        )
    return jobs


class MpesaPayouts:
    """`soko admin payouts` through the plug-in: a run, and what is in flight, paid, failed."""

    def __init__(self, container: Container) -> None:
        self.container = container

    def send(self, slugs: Sequence[str], by: int | None, now: datetime) -> list[str]:
        currency = self.container.settings.artisan_currency
        if currency != KES:
            raise AdminError(f"M-Pesa pays in KES, and ARTISAN_CURRENCY is {currency}")
        lines = []
        for outcome in run_payouts(self.container, now, slugs, by):
            if isinstance(outcome, Queued):
                lines.append(
                    f"queued {outcome.slug}: {_plain(outcome.amount)} to "
                    f"{shown_phone(outcome.phone)} (M-Pesa, {outcome.originator_id})"
                )
            else:
                lines.append(
                    f"skipped {outcome.slug}: {outcome.why.value} "
                    f"(available {_plain(outcome.available)})"
                )
        return lines or ["nobody is owed a payout"]

    def listing(self, session: Session, zone: tzinfo) -> list[str]:
        rows = recent(session)
        if not rows:
            return []
        lines = ["M-Pesa payouts (newest first):"]
        for request, artisan in rows:
            amount = _plain(Money(request.amount_minor, request.currency))
            when = (request.answered_at or request.sent_at or request.created_at).astimezone(zone)
            head = f"  {request.status.value:<8} {artisan.slug:<24} {amount:>16}"
            if request.status == MpesaPayoutStatus.PAID:
                tail = f"receipt {request.receipt}"
            elif request.status == MpesaPayoutStatus.FAILED:
                tail = f"failed: {request.result_desc or 'refused'} (code {request.result_code})"
            else:
                tail = f"in flight to {shown_phone(request.phone)}"
            lines.append(f"{head}  {when:%Y-%m-%d %H:%M}  {tail}")
        return lines


def reconcile_payouts(container: Container, now: datetime) -> list[str]:
    """The payouts part of `soko admin reconcile`: every payout sent with no result yet is
    asked about now (its result comes to the result webhook, which repairs)."""
    if not payouts_on(container.settings):
        return []
    with container.uow_factory() as uow:
        open_requests = unresolved(uow.session)
        queued = sum(1 for r in open_requests if r.status == MpesaPayoutStatus.QUEUED)
        asked = ask_now(uow.session, open_requests, now)
        uow.commit()
    return [
        f"M-Pesa payouts in flight: {len(open_requests)} "
        f"(status queries sent: {asked}; still to send: {queued})"
    ]


def _plain(money: Money) -> str:
    return f"{money.to_decimal()} {money.currency}"
