"""The Telegram invoices plug-in: Telegram buyers pay with Telegram's native invoices. On when
both the bot (TELEGRAM_BOT_TOKEN) and TELEGRAM_PAYMENT_PROVIDER_TOKEN are set; it serves
Telegram buyers only, and is preferred there to the providers registered after it."""

from __future__ import annotations

from bot.container import Container
from bot.plugin import ProviderPlugin
from bot.settings import Settings
from payments.telegram_invoice import NAME, TelegramInvoices
from store.models import Channel


def telegram_invoices(container: Container) -> TelegramInvoices | None:
    """The provider (one per container) when it is on, else None."""
    settings = container.settings
    if not TelegramInvoicesPlugin.enabled(settings):
        return None
    token = settings.telegram_bot_token.get_secret_value()  # keys the invoice payloads
    return container.once("telegram.invoices", lambda: TelegramInvoices(token))


class TelegramInvoicesPlugin(ProviderPlugin):
    name = "telegram-invoices"
    title = "Telegram"
    pays_as = NAME
    setting = "TELEGRAM_PAYMENT_PROVIDER_TOKEN"
    # No refunds hook: Telegram has no refund API for invoices (`soko admin refund` says so).

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return bool(
            settings.telegram_payment_provider_token.get_secret_value()
            and settings.telegram_bot_token.get_secret_value()
        )

    @property
    def port(self) -> TelegramInvoices:
        invoices = telegram_invoices(self.container)
        assert invoices is not None  # enabled
        return invoices

    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        return channel is Channel.TELEGRAM
