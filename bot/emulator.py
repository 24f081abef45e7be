"""Wiring the web chat emulator (`/emulator`): only when WEB_EMULATOR is set, which `soko demo`
does for its own shop. Off by default: whoever reaches it can chat as anyone."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.container import Container
from bot.wiring import build_engine, photo_intake
from handlers.web.emulator import emulator_routes
from handlers.web.emulator_channel import WebChat
from store.demo import content


def build_web_chat(container: Container) -> WebChat:
    return WebChat(
        build_engine(container),
        container.uow_factory,
        photo_intake(container),
        profile_names={p.key: p.name for p in content.PEOPLE},
    )


def web_emulator_routes(container: Container) -> list[BaseRoute]:
    if not container.settings.web_emulator:
        return []
    return emulator_routes(
        build_web_chat(container),
        photo_max_bytes=container.settings.photo_max_bytes,
        default_locale=container.settings.default_locale,
    )
