"""A chat harness over the real engine and database, plus small flows that exercise it.

`chat.send("menu")` records the message in the inbox, lets the engine handle it, and returns
what the bot answered (each outbox message rendered as the console shows it).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations.engine import ChatEngine, HandleResult
from conversations.flow import Flow, FlowRegistry, MenuEntry, MenuGroup, StepContext, StepResult
from conversations.flows import core_registry
from conversations.i18n import N_
from conversations.inbox import RecordResult, record_inbound
from conversations.messages import Choice, Inbound, Outbound
from conversations.outbox import outbound_of
from conversations.photos import PhotoIntake
from conversations.plain_text import render
from store.errors import NotFound, PermissionDenied, StoreError
from store.media.pipeline import PhotoLimits
from store.media.storage import LocalMediaStore
from store.models import Channel, OutboxMessage, User
from store.uow import UnitOfWorkFactory
from tests.market_support import make_market
from tests.said import things_said


class Clock:
    """Time that moves one second each time it is read."""

    def __init__(self) -> None:
        self._now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


@dataclass
class Bugs:
    """Switches for the `trouble` flow: what goes wrong when the person says "go", and what
    else happens meanwhile (`meanwhile`, called as the step starts)."""

    unexpected: bool = False
    meanwhile: Callable[[], object] = lambda: None


# --- colours: a tiny two-step flow that keeps a counter as its draft ------------------------
class Colour(StrEnum):
    PICK = "pick"
    COUNT = "count"


COLOURS = (Choice("Red", "c:red"), Choice("Blue", "c:blue"), Choice("Grün", "c:green"))


def colours_start(ctx: StepContext, arg: str) -> StepResult:
    if "count" in ctx.data:
        ctx.say(f"Welcome back at {ctx.data['count']}")
        return StepResult(Colour.COUNT)
    ctx.ask("Pick a colour", COLOURS)
    return StepResult(Colour.PICK)


def colours_pick(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload is None:
        ctx.ask(f"Not a colour: {inbound.text}", COLOURS)
        return StepResult(Colour.PICK)
    ctx.say(f"You chose {inbound.payload}")
    return StepResult(Colour.COUNT, {"colour": inbound.payload, "count": 0})


def colours_count(ctx: StepContext, inbound: Inbound) -> StepResult:
    count = int(ctx.data["count"]) + 1
    ctx.say(f"{inbound.text} #{count}")
    return StepResult(Colour.COUNT, {"count": count})


def colours_keep(ctx: StepContext) -> dict[str, int] | None:
    return {"count": ctx.data["count"]} if "count" in ctx.data else None


# --- trouble: a step that writes, then fails in the way the person asks for --------------------
class Trouble(StrEnum):
    READY = "ready"


def make_trouble_flow(bugs: Bugs) -> Flow:
    def start(ctx: StepContext, arg: str) -> StepResult:
        ctx.ask("Ready?", (Choice("Go", "go"), Choice("Denied", "denied"), Choice("Gone", "gone")))
        return StepResult(Trouble.READY, {"tries": 0})

    def ready(ctx: StepContext, inbound: Inbound) -> StepResult:
        bugs.meanwhile()
        ctx.session.add(User(display_name="half-written", created_at=ctx.now))
        ctx.session.flush()
        ctx.say("working")  # sent only if the step succeeds
        ctx.data["tries"] = int(ctx.data["tries"]) + 1
        if inbound.payload == "denied":
            raise PermissionDenied("edit product", ctx.user.id)
        if inbound.payload == "gone":
            raise NotFound("product", 42)
        if bugs.unexpected:
            raise RuntimeError("secret-token-1234 leaked in a bug")
        if inbound.payload == "go":
            raise StoreError("some rule")
        ctx.say(f"fine: {inbound.text}")
        return StepResult(Trouble.READY)

    return Flow("trouble", {Trouble.READY: ready}, start)


# --- tell: notifies another person in their language -----------------------------------------
def tell_start(ctx: StepContext, arg: str) -> StepResult:
    ctx.notify(int(arg), lambda t: Outbound(text=t._(N_("Help"))))
    ctx.say("told")
    return ctx.begin(FlowRegistry.MENU)


def build_registry(bugs: Bugs) -> FlowRegistry:
    registry = core_registry()
    registry.add(
        Flow(
            "colours",
            {Colour.PICK: colours_pick, Colour.COUNT: colours_count},
            colours_start,
            on_leave=colours_keep,
        )
    )
    registry.add(make_trouble_flow(bugs))
    registry.add(Flow("tell", {}, tell_start))
    registry.add_start_route("colours", "colours")
    registry.add_start_route("trouble", "trouble")
    registry.add_start_route("tell", "tell")
    registry.add_menu_entry(MenuEntry("col", "Colours", "colours", MenuGroup.BUYING, 1))
    return registry


@dataclass
class Chat:
    """One person talking to the bot."""

    engine: ChatEngine
    uow_factory: UnitOfWorkFactory
    intake: PhotoIntake
    platform_user_id: str
    channel: Channel = Channel.TELEGRAM
    locale_hint: str | None = "en"
    results: list[HandleResult] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def inbound(
        self,
        text: str = "",
        *,
        payload: str | None = None,
        photos: tuple[bytes, ...] = (),
        message_id: str | None = None,
    ) -> Inbound:
        """What she sends, as an adapter records it: her photos processed and stored first."""
        return Inbound(
            channel=self.channel,
            platform_user_id=self.platform_user_id,
            platform_message_id=message_id or f"{self.platform_user_id}-{next(self._ids)}",
            text=text,
            payload=payload,
            photos=self.intake.receive_all(photos),
            locale_hint=self.locale_hint,
            profile_name="Wanjiku",
        )

    def record(self, inbound: Inbound) -> RecordResult:
        with self.uow_factory() as uow:
            result = record_inbound(uow.session, inbound, self.engine_clock())
            uow.commit()
        return result

    def engine_clock(self) -> datetime:
        return datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    def deliver(self, inbound: Inbound) -> list[str]:
        """Record and handle one update; what the bot answered this person."""
        before = self.last_outbox_id()
        recorded = self.record(inbound)
        self.results.append(self.engine.handle(recorded.inbox_id))
        return self.answers_since(before)

    def send(self, text: str = "", **kwargs: object) -> list[str]:
        return self.deliver(self.inbound(text, **kwargs))  # type: ignore[arg-type]

    def send_for_messages(self, text: str) -> list[str]:
        """Send `text`; the messages she got, whole (`send` reads each thing said)."""
        before = self.last_outbox_id()
        self.results.append(self.engine.handle(self.record(self.inbound(text)).inbox_id))
        return [render(outbound) for outbound in self.outbounds_since(before)]

    def tap(self, payload: str, *, on: str | None = None) -> list[str]:
        """Tap a button (`on`: the platform id of the message that carried it)."""
        inbound = dataclasses.replace(self.inbound(payload=payload), tapped_message_id=on)
        return self.deliver(inbound)

    def last_outbox_id(self) -> int:
        with self.uow_factory() as uow:
            found = uow.session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
            return found.scalars().first() or 0

    def answers_since(self, outbox_id: int) -> list[str]:
        return things_said(self.outbounds_since(outbox_id))

    def outbounds_since(self, outbox_id: int) -> list[Outbound]:
        with self.uow_factory() as uow:
            rows = uow.session.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.id > outbox_id,
                    OutboxMessage.platform_user_id == self.platform_user_id,
                )
                .order_by(OutboxMessage.id)
            ).scalars()
            return [outbound_of(row) for row in rows]


@pytest.fixture
def bugs() -> Bugs:
    return Bugs()


@pytest.fixture
def intake(tmp_path: Path) -> PhotoIntake:
    """The adapters' photo intake, into the same media folder as the shop's (`make_shop`)."""
    return PhotoIntake(LocalMediaStore(tmp_path / "media", "http://localhost:8000"), PhotoLimits())


@pytest.fixture
def registry(bugs: Bugs) -> FlowRegistry:
    return build_registry(bugs)


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    registry: FlowRegistry,
    tmp_path: Path,
) -> ChatEngine:
    return ChatEngine(uow_factory, registry, make_market(tmp_path / "media"), Clock())


@pytest.fixture
def new_chat(
    soko: ChatEngine, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> Callable[..., Chat]:
    def make(platform_user_id: str = "amina", **kwargs: object) -> Chat:
        return Chat(soko, uow_factory, intake, platform_user_id, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def chat(new_chat: Callable[..., Chat]) -> Chat:
    return new_chat()
