"""The web channel behind the emulator, on both databases: what a browser sends, what it is
shown, what is marked delivered, and who else has messages waiting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from conversations.engine import ChatEngine, Outcome
from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.flows import builtin_registry
from conversations.messages import Outbound
from conversations.photos import PhotoIntake
from handlers.web.emulator import transcript
from handlers.web.emulator_channel import InvalidMessageId, InvalidPerson, WebChat
from store.media.pipeline import PhotoLimits
from store.media.storage import LocalMediaStore
from store.models import Channel, Identity, InboxMessage, OutboxMessage, OutboxStatus
from store.uow import UnitOfWorkFactory
from tests.market_support import make_market
from tests.said import things_in, things_in_all

WELCOME = "Welcome to Soko! Buy and sell handmade jewelry."


def wave_start(ctx: StepContext, to: str) -> StepResult:
    """`/start wave<name>`: tells the web person <name> that this person waved."""
    identity = ctx.session.execute(
        select(Identity).where(Identity.channel == Channel.WEB, Identity.platform_user_id == to)
    ).scalar_one()
    sender = ctx.user.display_name
    ctx.notify(identity.user_id, lambda t: Outbound(text=f"{sender} waved"))
    ctx.say(f"You waved at {to}")
    return ctx.begin(FlowRegistry.MENU)


@pytest.fixture
def chat(uow_factory: UnitOfWorkFactory, tmp_path: Path) -> WebChat:
    media = LocalMediaStore(tmp_path / "media", "http://localhost:8000")
    intake = PhotoIntake(media, PhotoLimits())
    flows = builtin_registry()
    flows.add(Flow("wave", {}, wave_start))
    flows.add_start_route("wave", "wave")
    engine = ChatEngine(uow_factory, flows, make_market(tmp_path / "media"))
    return WebChat(
        engine, uow_factory, intake, profile_names={"wanjiru": "Wanjiru Kamau"}, locale_hint="en"
    )


def texts(chat: WebChat, person: str, after: int = 0) -> list[str]:
    return things_in_all(said.outbound.text for said in chat.news(person, after) if said.outbound)


def test_a_browser_message_is_answered_and_delivered_once(
    chat: WebChat, uow_factory: UnitOfWorkFactory
) -> None:
    assert chat.send("Wanjiru", "msg00000001", text=" hello ").outcome is Outcome.HANDLED
    news = chat.news("wanjiru", 0)
    assert news[0].outbound is not None
    # The welcome and its question about the language, in one message.
    assert news[0].outbound.text == WELCOME + "\n\nWe'll chat in English. Or choose a language:"
    with uow_factory(read_only=True) as uow:
        statuses = uow.session.scalars(select(OutboxMessage.status)).all()
        inbound = uow.session.scalars(select(InboxMessage)).one()
    assert set(statuses) == {OutboxStatus.DELIVERED}
    assert (inbound.channel, inbound.platform_user_id) == (Channel.WEB, "wanjiru")
    assert inbound.payload["text"] == "hello"
    assert inbound.payload["profile_name"] == "Wanjiru Kamau"
    # Shown again to a second tab (or after a reload), but never newer than asked for.
    assert [s.id for s in chat.news("wanjiru", 0)] == [s.id for s in news]
    assert chat.news("wanjiru", news[-1].id) == []


def test_a_retried_send_has_no_second_effect(chat: WebChat, uow_factory: UnitOfWorkFactory) -> None:
    chat.send("bob", "retry-me-1", text="hello")
    assert chat.send("bob", "retry-me-1", text="hello").outcome is Outcome.ALREADY_HANDLED
    with uow_factory(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_history_interleaves_both_sides_and_names_tapped_choices(chat: WebChat) -> None:
    chat.send("bob", "msg00000001", text="hello")
    chat.send("bob", "msg00000002", payload="lang:sw")
    lines = transcript(chat.history("bob"))
    assert [(line["from"], things_in(line["text"])[0]) for line in lines[:2]] == [
        ("person", "hello"),
        ("bot", WELCOME),
    ]
    offered = lines[1]
    assert {"label": "Kiswahili", "payload": "lang:sw"} in offered["choices"]
    assert lines[2] == {"id": lines[2]["id"], "from": "person", "text": "Kiswahili", "photos": 0}
    assert things_in(lines[3]["text"])[0] == "Sawa, tutaongea kwa Kiswahili."


def test_notifications_wait_for_the_person_and_are_counted(chat: WebChat) -> None:
    chat.send("grace", "msg00000001", text="hello")
    chat.send("wanjiru", "msg00000002", text="hello")
    chat.send("wanjiru", "msg00000003", text="/start wavegrace")
    assert "You waved at grace" in texts(chat, "wanjiru")
    waiting = {p.key: p.waiting for p in chat.people()}
    assert waiting["grace"] >= 2  # her welcome and the wave, not fetched yet
    assert waiting["wanjiru"] == 0
    assert "Wanjiru Kamau waved" in texts(chat, "grace")
    assert {p.key: p.waiting for p in chat.people()}["grace"] == 0
    people = {p.key: p for p in chat.people()}
    assert people["wanjiru"].name == "Wanjiru Kamau"
    assert (people["grace"].roles, people["grace"].shop) == ((), "")


def test_photos_are_recorded_with_the_message(
    chat: WebChat, uow_factory: UnitOfWorkFactory
) -> None:
    chat.send("bob", "msg00000001", photos=[b"\xff\xd8\xff photo"])
    with uow_factory(read_only=True) as uow:
        inbound = uow.session.scalars(select(InboxMessage)).one()
    assert len(inbound.payload["photos"]) == 1
    assert transcript(chat.history("bob"))[0] == {
        "id": inbound.id,
        "from": "person",
        "text": "",
        "photos": 1,
    }


def test_who_and_which_message_are_checked(chat: WebChat) -> None:
    with pytest.raises(InvalidPerson):
        chat.send("<script>", "msg00000001", text="hi")
    with pytest.raises(InvalidMessageId):
        chat.send("bob", "x", text="hi")
    with pytest.raises(InvalidPerson):
        chat.news("../etc", 0)
