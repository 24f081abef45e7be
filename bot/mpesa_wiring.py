"""The M-Pesa plug-in (Safaricom's Daraja API): buyers in Kenya pay by STK push
(`bot/mpesa_stk.py`: the port, its effects, the callback, the query job and the STK part of
`soko admin reconcile`), artisans are paid by B2C. One Daraja client per process, built from
the MPESA_* settings. On when MPESA_CONSUMER_KEY is set; it serves orders priced in Kenyan
shillings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.routing import BaseRoute

from bot.container import Container
from bot.mpesa_payouts import (
    B2C_SETTINGS,
    MpesaPayouts,
    payout_effects,
    payout_jobs,
    payout_routes,
    payouts_on,
    reconcile_payouts,
)
from bot.mpesa_stk import stk_jobs, stk_provider, stk_reconcile, stk_routes
from bot.plugin import AdminReport, Payouts, ProviderPlugin, ScheduledJob
from bot.settings import Settings
from payments.mpesa.client import DarajaClient, DarajaConfig
from payments.mpesa.stk import PROVIDER, MpesaStk
from payments.mpesa.stk_effects import stk_effect_kinds
from store.effect_runner import EffectKind
from store.models import Channel
from store.payment_port import PaymentMethod

CURRENCY = "KES"


def daraja_config(settings: Settings) -> DarajaConfig:
    certificate = settings.mpesa_cert_file.read_bytes() if settings.mpesa_cert_file else b""
    return DarajaConfig(
        base_url=settings.mpesa_api_base_url,
        consumer_key=settings.mpesa_consumer_key.get_secret_value(),
        consumer_secret=settings.mpesa_consumer_secret.get_secret_value(),
        shortcode=settings.mpesa_shortcode,
        passkey=settings.mpesa_passkey.get_secret_value(),
        transaction_type=settings.mpesa_transaction_type.value,
        till_number=settings.mpesa_till_number,
        b2c_shortcode=settings.mpesa_b2c_shortcode or settings.mpesa_shortcode,
        initiator_name=settings.mpesa_initiator_name,
        initiator_password=settings.mpesa_initiator_password.get_secret_value(),
        certificate=certificate,
    )


def daraja_client(container: Container) -> DarajaClient:
    """The process's one Daraja client (its token cache and connection pool are shared),
    closed with the container."""

    def build() -> DarajaClient:
        client = DarajaClient(daraja_config(container.settings))
        container.on_close(client.close)
        return client

    return container.once("mpesa.client", build)


def mpesa_stk(container: Container) -> MpesaStk:
    """The STK push provider (the payment port), built once per container."""
    return stk_provider(container, lambda: daraja_client(container))


def effect_kinds(container: Container) -> list[EffectKind]:
    """The M-Pesa calls that run as effects, when M-Pesa is on (`bot/effects.py`)."""
    if not MpesaPlugin.enabled(container.settings):
        return []
    return [
        *stk_effect_kinds(mpesa_stk(container)),
        *payout_effects(container, lambda: daraja_client(container)),
    ]


class MpesaPlugin(ProviderPlugin):
    name = PROVIDER
    title = "M-Pesa"
    pays_as = PROVIDER
    setting = "MPESA_CONSUMER_KEY"
    method = PaymentMethod(PROVIDER, CURRENCY, asks_phone=True, home_country="KE")
    payout_setting = f"MPESA_CONSUMER_KEY (with its shortcode), {B2C_SETTINGS}"

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
        return [*stk_routes(self.container), *payout_routes(self.container)]

    def jobs(self, clock: Callable[[], datetime]) -> list[ScheduledJob]:
        return [*stk_jobs(self.container, clock), *payout_jobs(self.container, clock)]

    def payouts(self) -> Payouts | None:
        return MpesaPayouts(self.container) if payouts_on(self.container.settings) else None

    def reconcile(
        self, since: datetime, now: datetime, run_effects: Callable[[], int]
    ) -> AdminReport | None:
        # The payouts' status queries are queued first, so the STK part's effects run sends them.
        lines = [*reconcile_payouts(self.container, now)]
        lines += [*stk_reconcile(self.container, since, now, run_effects)]
        return AdminReport(lines, ok=True)
