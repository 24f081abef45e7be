"""The web chat emulator plug-in (`/emulator`): only when WEB_EMULATOR is set, which
`soko demo` does for its own shop. Off by default: whoever reaches it can chat as anyone."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar

from starlette.routing import BaseRoute

from bot.blobs import MediaBlobStore
from bot.plugin import ChannelPlugin, Host
from bot.settings import Settings
from handlers.web.emulator import emulator_routes
from handlers.web.emulator_channel import CHANNEL, WebChat
from store.demo import content


def build_web_chat(host: Host) -> WebChat:
    container = host.container
    return WebChat(
        host.build_engine(None),
        container.uow_factory,
        MediaBlobStore(container.media_store),
        profile_names={p.key: p.name for p in content.PEOPLE},
    )


class WebEmulatorPlugin(ChannelPlugin):
    name = "web emulator"
    channel = CHANNEL
    sells: ClassVar[bool] = False

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return settings.web_emulator

    @cached_property
    def chat(self) -> WebChat:
        return build_web_chat(self.host)

    def routes(self) -> list[BaseRoute]:
        settings = self.container.settings
        return emulator_routes(
            self.chat,
            photo_max_bytes=settings.photo_max_bytes,
            default_locale=settings.default_locale,
        )
