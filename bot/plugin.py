"""What a plug-in is. A channel (Telegram, WhatsApp, the web emulator) is one `ChannelPlugin`:
its web routes, its sender and sweep, what it does in each long-running command, and what its
chat can do (`capabilities`). A payment provider is one `ProviderPlugin`: its port, what it
serves (channel, currency, country), its web routes and scheduled jobs. `bot/plugins.py`
lists them; each is built once per container and only when its settings turn it on."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from apscheduler.triggers.base import BaseTrigger
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import Lifespan

from bot.container import Container
from bot.settings import Settings
from conversations.capabilities import ChannelCapabilities
from conversations.engine import ChatEngine
from conversations.marketplace import Marketplace
from store.models import Channel
from store.payment_port import PaymentProvider


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    trigger: BaseTrigger
    run: Callable[[], object]
    misfire_grace_time: int  # seconds a late run may still start; later, it is skipped
    description: str


@dataclass
class ChannelPasses:
    """What the outbox and inbox jobs call, per configured channel: one delivery pass (how
    many messages it dealt with) and one inbox sweep (how many updates it handled); and what
    stops the delivery passes when the scheduler stops (given a grace period in seconds:
    sends in flight are finished or handed back)."""

    deliver: list[Callable[[], int]] = field(default_factory=list)
    sweep: list[Callable[[], int]] = field(default_factory=list)
    stop_delivery: list[Callable[[float], Awaitable[None]]] = field(default_factory=list)


def combine(*passes: ChannelPasses) -> ChannelPasses:
    return ChannelPasses(
        deliver=[d for p in passes for d in p.deliver],
        sweep=[s for p in passes for s in p.sweep],
        stop_delivery=[s for p in passes for s in p.stop_delivery],
    )


@dataclass(frozen=True)
class Host:
    """What a channel plug-in is given: the container, and how to build the chat engine
    (with the shop `bot/wiring.py` assembles, or one a channel adjusted)."""

    container: Container
    build_marketplace: Callable[[], Marketplace]
    build_engine: Callable[[Marketplace | None], ChatEngine]


@dataclass
class Running:
    """A channel's part of `soko run`: what runs until `stop`, and its scheduler passes
    (its own sender delivers, so no delivery pass)."""

    tasks: Sequence[Awaitable[None]] = ()
    passes: ChannelPasses = field(default_factory=ChannelPasses)


class ChannelPlugin(ABC):
    name: ClassVar[str]  # as people read it: "WhatsApp"
    channel: ClassVar[Channel]
    capabilities: ClassVar[ChannelCapabilities] = ChannelCapabilities()
    # A chat buyers shop in (payments are checked for it at start), not a demo surface.
    sells: ClassVar[bool] = True

    def __init__(self, host: Host) -> None:
        self.host = host
        self.container = host.container

    @classmethod
    @abstractmethod
    def enabled(cls, settings: Settings) -> bool:
        """Whether the settings turn this channel on."""

    def routes(self) -> list[BaseRoute]:
        """Its web routes (webhooks), in every process that serves the web app."""
        return []

    def web_lifespan(self) -> Lifespan[Starlette] | None:
        """What a `soko web` worker runs for its lifespan, if anything."""
        return None

    def run(self, stop: asyncio.Event) -> Running:
        """Its part of `soko run`: its own sender and sweep."""
        return Running()

    async def scheduled(self, stack: contextlib.AsyncExitStack) -> ChannelPasses:
        """Its part of `soko scheduler`: delivery and sweep passes (opened on `stack`)."""
        return ChannelPasses()


class ProviderPlugin(ABC):
    name: ClassVar[str]

    def __init__(self, container: Container) -> None:
        self.container = container

    @classmethod
    @abstractmethod
    def enabled(cls, settings: Settings) -> bool:
        """Whether the settings turn this provider on."""

    @property
    @abstractmethod
    def port(self) -> PaymentProvider:
        """The payment port flows call (built once)."""

    @abstractmethod
    def serves(self, channel: Channel, currency: str, country: str) -> bool:
        """Whether it takes payments from buyers on `channel`, in `currency`, shipping to
        `country` (ISO 3166-1 alpha-2, "" when not known yet)."""

    def routes(self) -> list[BaseRoute]:
        return []

    def jobs(self, clock: Callable[[], datetime]) -> list[ScheduledJob]:
        return []
