"""Which plug-in routes the web app mounts: the webhooks of each channel and payment provider
the settings turn on (`bot/plugins.py`), and the web chat emulator when it is turned on."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot import plugins
from bot.container import Container
from bot.telegram import TelegramChannel, TelegramPlugin, telegram_routes
from bot.wiring import channel_plugins


def channel_routes(
    container: Container, telegram: TelegramChannel | None = None
) -> list[BaseRoute]:
    """Routes of the channels and payment providers the settings turn on (in the demo: only
    the emulator); `telegram`: a Telegram channel the webhook route should use instead of the
    container's."""
    routes: list[BaseRoute] = []
    for provider in plugins.providers(container):
        routes += provider.routes()
    for channel in channel_plugins(container):
        if telegram is not None and isinstance(channel, TelegramPlugin):
            routes += telegram_routes(container, telegram) if channel.routes() else []
        else:
            routes += channel.routes()
    return routes
