"""The demo card plug-in (PAYMENTS_DEMO): buyers on every channel "pay" by confirming in the
chat or on the shop's own pay page; no money moves. For demos and local work only."""

from __future__ import annotations

from bot.plugin import ProviderPlugin
from bot.settings import Settings
from payments.demo import DemoPayments
from store.models import Channel


class DemoPlugin(ProviderPlugin):
    name = "demo"
    title = "demo card"
    pays_as = "demo"
    setting = "PAYMENTS_DEMO"

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return settings.payments_demo

    @property
    def port(self) -> DemoPayments:
        settings = self.container.settings
        return self.container.once("demo.payments", lambda: DemoPayments(settings.public_base_url))

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return True
