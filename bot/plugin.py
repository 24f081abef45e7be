"""What a plug-in is. A channel (Telegram, WhatsApp, the web emulator) is one `ChannelPlugin`:
its web routes, its sender and sweep, what it does in each long-running command, and what its
chat can do (`capabilities`). A payment provider is one `ProviderPlugin`: its port, what it
serves (channel, currency, country), its web routes and scheduled jobs, and its hooks for
`soko admin` (`refunds`, `payouts`, `reconcile`: a provider without them says so there).
`bot/plugins.py` lists them; each is built once per container and only when its settings
turn it on."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import ClassVar, Protocol

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import Lifespan

from bot.container import Container
from bot.settings import Settings
from conversations.capabilities import ChannelCapabilities
from conversations.engine import ChatEngine
from conversations.marketplace import Marketplace
from payments.refunds import Outcome, RefusedRequest, Requested
from store.models import Channel, Order
from store.money import Money
from store.payment_port import CARD, PaymentMethod, PaymentProvider


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    trigger: BaseTrigger
    run: Callable[[], object]
    misfire_grace_time: int  # seconds a late run may still start; later, it is skipped
    description: str


@dataclass
class ChannelPasses:
    """What the inbox job calls, per configured channel: one inbox sweep (how many updates
    it handled). (Delivery is no job: each channel's sender runs as a loop of its own.)"""

    sweep: list[Callable[[], int]] = field(default_factory=list)


def combine(*passes: ChannelPasses) -> ChannelPasses:
    return ChannelPasses(sweep=[s for p in passes for s in p.sweep])


@dataclass(frozen=True)
class Host:
    """What a channel plug-in is given: the container, and how to build the chat engine
    (with the shop `bot/wiring.py` assembles, or one a channel adjusted)."""

    container: Container
    build_marketplace: Callable[[], Marketplace]
    build_engine: Callable[[Marketplace | None], ChatEngine]


@dataclass
class Running:
    """A channel's part of a long-running command (`soko run`, `soko scheduler`): what runs
    until `stop` (its sender, woken as replies are committed, and in `soko run` its
    receiving side too), and its scheduler passes."""

    tasks: Sequence[Awaitable[None]] = ()
    passes: ChannelPasses = field(default_factory=ChannelPasses)


class ChannelPlugin(ABC):
    name: ClassVar[str]  # as people read it: "WhatsApp"
    channel: ClassVar[Channel]
    sends: ClassVar[bool] = False  # has an outbox sender (which beats `delivery:<channel>`)
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

    async def scheduled(self, stack: contextlib.AsyncExitStack, stop: asyncio.Event) -> Running:
        """Its part of `soko scheduler`: its sender, running until `stop`, and its sweep pass
        (what they need opened on `stack`)."""
        return Running()


class Refunds(Protocol):
    """A provider's refunds, as `soko admin refund` asks for them: each call writes a refund
    request in the caller's unit of work (the money goes back after the commit, as an
    effect), or tells where one stands."""

    def refund(
        self,
        session: Session,
        order: Order,
        line_id: int | None,
        amount: Money | None,
        reason: str,
        now: datetime,
    ) -> Requested:
        """The rest of the order (`line_id` None), or of one line, or `amount` of it."""

    def retry(self, session: Session, order: Order, now: datetime) -> list[Requested]:
        """Ask again, under new keys, for the order's refunds refused for good."""

    def outcome(self, session: Session, request_id: str) -> Outcome: ...

    def refused(self, session: Session, order: Order) -> list[RefusedRequest]:
        """The order's refunds refused for good that nobody retried yet."""


class Payouts(Protocol):
    """A provider's payouts to artisans, as `soko admin payouts` asks for them."""

    def send(self, slugs: Sequence[str], by: int | None, now: datetime) -> list[str]:
        """Queue a payout to each artisan named (none: everyone owed enough); a line per
        artisan for the terminal. The money goes out after the commit."""

    def listing(self, session: Session, zone: tzinfo) -> list[str]:
        """Its latest payouts: in flight, paid (with the receipt), failed (with why)."""


class AdminError(Exception):
    """A provider's refusal that ends a `soko admin` command: the message says what the
    provider said, in words fit for a terminal (nothing secret)."""


@dataclass(frozen=True)
class AdminReport:
    """What `soko admin reconcile` prints for a provider, and whether all was well."""

    lines: list[str]
    ok: bool


class ProviderPlugin(ABC):
    name: ClassVar[str]
    title: ClassVar[str]  # as an operator reads it: "Stripe"
    pays_as: ClassVar[str]  # the `payment_provider` its orders record
    setting: ClassVar[str]  # what turns it on, for "not configured" messages
    payout_setting: ClassVar[str] = ""  # what turns its payouts on, when it has them
    method: ClassVar[PaymentMethod] = CARD  # the way buyers pay with it

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

    def refunds(self) -> Refunds | None:
        """Its refunds for `soko admin refund`; None: it has no refund API (the command
        records a refund owed, sent back by hand: `store.services.refunds_owed`)."""
        return None

    def payouts(self) -> Payouts | None:
        """Its payouts to artisans for `soko admin payouts --send`; None: it sends none (or
        they are off: `payout_setting` says what turns them on)."""
        return None

    def reconcile(
        self, since: datetime, now: datetime, run_effects: Callable[[], int]
    ) -> AdminReport | None:
        """`soko admin reconcile` for it: compare what it says with the database since
        `since`, repair, run the calls that queued (`run_effects`, how many ran), and report.
        None: it has nothing to reconcile. May raise `AdminError`."""
        return None
