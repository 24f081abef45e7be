"""The console channel on both databases, with the builtin flows: what is typed, what is printed.

A small `wave` flow is added so that one person can notify another (the way a new order
reaches an artisan), without depending on any particular shop flow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conversations.bursts import GAP
from conversations.engine import ChatEngine, Outcome
from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.flows import builtin_registry
from conversations.messages import ImageRef, Outbound
from conversations.photos import PhotoIntake
from handlers.console.channel import ConsoleChannel, InvalidPerson
from handlers.console.terminal import Terminal
from store.media.pipeline import PhotoLimits
from store.media.storage import LocalMediaStore
from store.models import Channel, Identity, InboxMessage, OutboxMessage, OutboxStatus, User
from store.uow import UnitOfWorkFactory
from tests.market_support import make_market
from tests.unit.media.images import photo_jpeg

WELCOME = [
    "Welcome to Soko! Buy and sell handmade jewelry.",
    "We'll chat in English. Or choose a language:\n1. English\n2. Kiswahili",
]
MENU_EN = "What would you like to do?"
MENU_SW = "Ungependa kufanya nini?"


def wave_start(ctx: StepContext, to: str) -> StepResult:
    """`/start wave<name>`: tells the console person <name> that this person waved."""
    identity = ctx.session.execute(
        select(Identity).where(Identity.channel == Channel.CONSOLE, Identity.platform_user_id == to)
    ).scalar_one()
    sender = ctx.user.display_name
    ctx.notify(identity.user_id, lambda t: Outbound(text=f"{sender} waved ({t.locale})"))
    ctx.say(f"You waved at {to}")
    return ctx.begin(FlowRegistry.MENU)


def registry() -> FlowRegistry:
    flows = builtin_registry()
    flows.add(Flow("wave", {}, wave_start))
    flows.add_start_route("wave", "wave")
    return flows


class Screen:
    """What the console printed, block by block: each thing said (a message that joined a
    turn's replies, `conversations.bursts`, is read at the blank lines that join them)."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def write(self, text: str) -> None:
        self.blocks.extend(text.rstrip("\n").split(GAP))

    def take(self) -> list[str]:
        taken, self.blocks = self.blocks, []
        return taken


@pytest.fixture
def media(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media", "http://localhost:8000")


@pytest.fixture
def open_console(
    uow_factory: UnitOfWorkFactory, media: LocalMediaStore, tmp_path: Path
) -> Callable[[str], tuple[ConsoleChannel, Screen]]:
    """A fresh console (a new adapter and engine, as after a restart) for a person."""

    def make(person: str) -> tuple[ConsoleChannel, Screen]:
        screen = Screen()
        intake = PhotoIntake(media, PhotoLimits())
        engine = ChatEngine(uow_factory, registry(), make_market(tmp_path / "media"))
        channel = ConsoleChannel(
            engine,
            uow_factory,
            intake,
            person=person,
            write=screen.write,
            image_location=lambda key: str(media.path_for(key)),
            profile_names={"wanjiru": "Wanjiru Kamau"},
            locale_hint="en",
        )
        return channel, screen

    return make


def test_first_contact_then_the_menu(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
) -> None:
    console, screen = open_console("Bob")
    assert console.person == "bob"
    console.send("hello")
    assert screen.take() == WELCOME
    console.send("1")
    said = screen.take()
    assert said[0] == "OK, we'll chat in English."
    assert said[1].startswith(MENU_EN + "\n1. ")
    assert "9. More" in said[1]
    console.send("menu")
    assert screen.take()[0].startswith(MENU_EN)
    console.send("what now?")  # the console shows numbers: she is told to type one
    assert screen.take() == ["Reply with a number, or *menu*."]


def test_language_switch_by_number_and_by_swahili_word(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
) -> None:
    console, screen = open_console("wanjiru")
    console.send("hi")
    console.send("2")  # Kiswahili
    said = screen.take()[-2:]
    assert said[0] == "Sawa, tutaongea kwa Kiswahili."
    assert said[1].startswith(MENU_SW)
    console.send("lugha")
    assert screen.take() == ["Chagua lugha yako:\n1. English\n2. Kiswahili"]
    console.send("English")
    assert screen.take()[0] == "OK, we'll chat in English."


def test_as_switches_person_and_prints_what_waited_for_them(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
    uow_factory: UnitOfWorkFactory,
) -> None:
    console, screen = open_console("wanjiru")
    terminal = Terminal(console, write=screen.write)
    terminal.handle_line("hi")
    terminal.handle_line("2")  # Wanjiru reads Swahili
    screen.take()
    terminal.handle_line("/as achieng")
    assert screen.take() == ["— now chatting as achieng, someone new —"]
    terminal.handle_line("hi")
    terminal.handle_line("1")
    screen.take()
    terminal.handle_line("/start wavewanjiru")
    said = screen.take()
    assert said[0] == "You waved at wanjiru"
    # Not printed to Achieng: it waits for Wanjiru, and the console says so.
    assert said[-1] == "(a message is waiting for wanjiru: /as wanjiru to read it)"
    assert not any("waved (" in block for block in said)
    assert console.pending_for("wanjiru") == 1
    terminal.handle_line("menu")  # said once, not at every turn
    assert not any(block.startswith("(a message is waiting") for block in screen.take())

    terminal.handle_line("/as Wanjiru")
    assert screen.take() == [
        "— now chatting as Wanjiru Kamau (wanjiru) —",
        "(while you were away)",
        "Achieng waved (sw)",  # written in Wanjiru's language
    ]
    with uow_factory() as uow:
        statuses = uow.session.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {OutboxStatus.SENT}
    terminal.handle_line("/as achieng")
    assert screen.take() == ["— now chatting as Achieng (achieng) —"]  # nothing waiting


def test_a_restarted_console_continues_the_conversation(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
) -> None:
    console, screen = open_console("amina")
    console.send("hi")
    console.send("1")
    console.send("language")
    assert screen.take()[-1] == "Choose your language:\n1. English\n2. Kiswahili"

    restarted, screen = open_console("amina")
    restarted.send("2")  # still at the language question
    said = screen.take()
    assert said[0] == "Sawa, tutaongea kwa Kiswahili."
    assert said[1].startswith(MENU_SW)


def test_the_same_line_recorded_twice_has_one_effect(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
    uow_factory: UnitOfWorkFactory,
) -> None:
    console, screen = open_console("amina")
    console.send("hi")
    console.send("1")
    console.send("language")
    screen.take()
    line = console.inbound("2")
    assert console.deliver(line).outcome is Outcome.HANDLED
    assert screen.take()[0] == "Sawa, tutaongea kwa Kiswahili."
    assert console.deliver(line).outcome is Outcome.ALREADY_HANDLED
    assert screen.take() == []
    with uow_factory() as uow:
        inbox = uow.session.scalar(select(func.count()).select_from(InboxMessage))
        user = uow.session.scalars(select(User)).one()
    assert inbox == 4
    assert user.locale == "sw"


def test_photos_are_processed_and_stored_before_the_inbox_records_them(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
    media: LocalMediaStore,
    uow_factory: UnitOfWorkFactory,
    tmp_path: Path,
) -> None:
    console, screen = open_console("amina")
    terminal = Terminal(console, write=screen.write)
    first, second = tmp_path / "a.jpg", tmp_path / "b b.jpg"
    first.write_bytes(photo_jpeg())
    second.write_bytes(b"plain text, not a photo")
    terminal.handle_line("hi")
    terminal.handle_line(f"/photo {first} '{second}'")
    with uow_factory() as uow:
        rows = uow.session.scalars(select(InboxMessage).order_by(InboxMessage.id)).all()
    stored, refused = rows[-1].payload["photos"]  # one album, one update
    assert media.exists(stored["keys"]["large"])  # the renditions, never the bytes as sent
    assert not (tmp_path / "media" / "incoming").exists()
    assert refused == {"refused": "not_an_image"}

    screen.take()
    terminal.handle_line(f"/photo {tmp_path / 'missing.jpg'}")
    assert screen.take() == [f"Can't read {tmp_path / 'missing.jpg'}: No such file or directory"]
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxMessage)) == len(rows)


def test_console_commands_and_rendering(
    open_console: Callable[[str], tuple[ConsoleChannel, Screen]],
    media: LocalMediaStore,
) -> None:
    console, screen = open_console("amina")
    terminal = Terminal(console, write=screen.write)
    assert terminal.handle_line("   ") is True
    terminal.handle_line("/as")
    assert screen.take() == ["You are amina. Usage: /as NAME"]
    terminal.handle_line("/as ../etc")
    assert screen.take()[0].startswith("not a name for a person")
    assert console.person == "amina"
    with pytest.raises(InvalidPerson):
        console.switch("two words")
    assert terminal.handle_line("/quit") is False

    shown = console.render(
        Outbound(
            text="Coral earrings",
            image=ImageRef(key="abc123/large.jpg"),
            links=(),
        )
    )
    assert shown == f"[photo: {media.path_for('abc123/large.jpg')}]\nCoral earrings"
