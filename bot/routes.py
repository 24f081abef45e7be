"""Which channel routes the web app mounts: each channel's webhooks when it is configured,
and the web chat emulator when it is turned on."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.container import Container
from bot.emulator import web_emulator_routes
from bot.stripe_wiring import stripe_routes
from bot.telegram import TelegramChannel, telegram_routes
from bot.whatsapp import whatsapp_routes


def channel_routes(
    container: Container, telegram: TelegramChannel | None = None
) -> list[BaseRoute]:
    """Routes of the channels and payment providers the settings turn on (in the demo: only
    the emulator); `telegram`: the Telegram channel the webhook route should use (else one
    is built)."""
    routes: list[BaseRoute] = []
    routes += stripe_routes(container)
    routes += telegram_routes(container, telegram)
    routes += whatsapp_routes(container)
    routes += web_emulator_routes(container)
    return routes
