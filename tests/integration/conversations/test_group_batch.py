"""A group's shared reads and deferred writes (`GroupBatch`), on both databases: the same
answers as one update at a time, a number of statements that does not grow with the group,
and what an update changes for someone later in its group seen by her update."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from conversations.engine import ChatEngine, Outcome
from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.flows.menu import TITLE
from conversations.i18n import Translator
from conversations.inbox import record_many
from store.models import Artisan, Channel, Identity, InboxMessage, InboxStatus, User
from store.services import people
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Bugs, Chat, build_registry
from tests.integration.conversations.test_group_commit import in_colours


def into_swahili_start(ctx: StepContext, arg: str) -> StepResult:
    """Switches another person (user id `arg`) to Swahili, as a manager's tool might."""
    other = ctx.session.get(User, int(arg))
    assert other is not None
    other.locale = "sw"
    ctx.say("switched")
    return ctx.begin(FlowRegistry.MENU)


class Undone(Exception):
    pass


def swahili_undone_start(ctx: StepContext, arg: str) -> StepResult:
    """Switches another person to Swahili in a savepoint, which then rolls back."""
    try:
        with ctx.session.begin_nested():
            other = ctx.session.get(User, int(arg))
            assert other is not None
            other.locale = "sw"
            ctx.session.flush()
            raise Undone
    except Undone:
        ctx.say("undone")
    return ctx.begin(FlowRegistry.MENU)


def stall_start(ctx: StepContext, arg: str) -> StepResult:
    """`open`: opens her shop by its owner's id, as `register_artisan` does; else tells hers."""
    if arg == "open":
        ctx.session.add(
            Artisan(user_id=ctx.user.id, shop_name="Stall", slug=f"stall-{ctx.user.id}")
        )
        ctx.say("opened")
    else:
        ctx.say(f"shop: {ctx.user.artisan.shop_name if ctx.user.artisan else 'none'}")
    return ctx.begin(FlowRegistry.MENU)


@pytest.fixture
def registry(bugs: Bugs) -> FlowRegistry:
    registry = build_registry(bugs)
    registry.add(Flow("into-swahili", {}, into_swahili_start))
    registry.add_start_route("sw", "into-swahili")
    registry.add(Flow("swahili-undone", {}, swahili_undone_start))
    registry.add_start_route("undo", "swahili-undone")
    registry.add(Flow("stall", {}, stall_start))
    registry.add_start_route("stall", "stall")
    return registry


@pytest.fixture
def statements(uow_factory: UnitOfWorkFactory) -> Iterator[list[str]]:
    """Every SQL statement the database is sent (an executemany counts once)."""
    sent: list[str] = []
    engine: SqlEngine = uow_factory.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def user_id(chat: Chat) -> int:
    result = chat.results[-1]
    assert result.user_id is not None
    return result.user_id


def test_a_group_answers_as_one_update_at_a_time_with_a_few_statements_in_all(
    new_chat: Callable[..., Chat], soko: ChatEngine, statements: list[str]
) -> None:
    def group_of(people: int) -> tuple[list[list[str]], int]:
        chats = [new_chat(f"p{people}-{n}") for n in range(people)]
        for chat in chats:
            in_colours(chat)
        before = chats[0].last_outbox_id()
        # Each person twice, interleaved: her second update sees her first one's state.
        ids = [chat.record(chat.inbound(text)).inbox_id for text in "ab" for chat in chats]
        statements.clear()
        results = soko.handle_many(ids)
        sent = len(statements)
        assert [r.outcome for r in results] == [Outcome.HANDLED] * len(ids)
        assert all(r.outbox_ids for r in results)
        return [chat.answers_since(before) for chat in chats], sent

    answers_3, sent_3 = group_of(3)
    answers_8, sent_8 = group_of(8)

    assert answers_3 == [["a #1", "b #2"]] * 3
    assert answers_8 == [["a #1", "b #2"]] * 8
    # Rows, people, states, "they wrote", BEGIN...: the same few for 6 updates as for 16.
    assert sent_3 == sent_8
    assert sent_8 < 16


def test_a_change_to_someone_later_in_the_group_reaches_her_update(
    new_chat: Callable[..., Chat], soko: ChatEngine
) -> None:
    manager, amina = new_chat("manager"), new_chat("amina")
    manager.send("Hi")
    amina.send("Hi")
    before = amina.last_outbox_id()
    ids = [
        manager.record(manager.inbound(f"/start sw{user_id(amina)}")).inbox_id,
        amina.record(amina.inbound("menu")).inbox_id,
    ]

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [Outcome.HANDLED, Outcome.HANDLED]
    assert manager.answers_since(before)[0] == "switched"
    [menu] = amina.outbounds_since(before)
    assert menu.text == Translator("sw")._(TITLE) != Translator("en")._(TITLE)


def test_an_update_waits_for_an_earlier_one_of_the_same_person_outside_its_group(
    new_chat: Callable[..., Chat], soko: ChatEngine
) -> None:
    amina, baraka = new_chat("amina"), new_chat("baraka")
    in_colours(amina)
    in_colours(baraka)
    before = amina.last_outbox_id()
    earlier = amina.record(amina.inbound("a")).inbox_id
    ids = [amina.record(amina.inbound("b")).inbox_id, baraka.record(baraka.inbound("c")).inbox_id]

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [Outcome.HANDLED, Outcome.HANDLED]
    assert amina.answers_since(before) == ["a #1", "b #2"]
    assert baraka.answers_since(before) == ["c #1"]
    assert soko.handle(earlier).outcome is Outcome.ALREADY_HANDLED


def test_a_batch_recorded_twice_or_with_a_repeat_is_recorded_once(
    chat: Chat, uow_factory: UnitOfWorkFactory
) -> None:
    first, second = chat.inbound("a"), chat.inbound("b")
    with uow_factory() as uow:
        recorded = record_many(uow.session, [first, second, first], chat.engine_clock())
        uow.commit()
    with uow_factory() as uow:
        again = record_many(uow.session, [second, first], chat.engine_clock())
        uow.commit()
        rows = uow.session.execute(select(InboxMessage.id)).scalars().all()

    assert [r.duplicate for r in recorded] == [False, False, True]
    assert recorded[2].inbox_id == recorded[0].inbox_id
    assert [(r.inbox_id, r.duplicate) for r in again] == [
        (recorded[1].inbox_id, True),
        (recorded[0].inbox_id, True),
    ]
    assert sorted(rows) == sorted({r.inbox_id for r in recorded})


def test_a_newcomer_racing_another_worker_loses_nothing_of_her_group(
    new_chat: Callable[..., Chat], soko: ChatEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Her first contact is also being handled by another worker: her identity's insert finds
    the other worker's (her own new user is deleted) and the other worker's user is taken.
    What the group deferred for the updates before hers is still written."""
    amina, newcomer = new_chat("amina"), new_chat("newcomer")
    in_colours(amina)
    before = amina.last_outbox_id()
    ids = [
        amina.record(amina.inbound("a")).inbox_id,
        newcomer.record(newcomer.inbound("Hi")).inbox_id,
    ]
    create = people.create_user_for_identity

    def raced(
        session: Session, channel: Channel, platform_user_id: str, **kwargs: Any
    ) -> tuple[User, bool]:
        # The other worker's rows, there by the time this one inserts its own.
        now = newcomer.engine_clock()
        connection = session.connection()
        user_id = connection.execute(
            insert(User).values(display_name="", locale="en", created_at=now).returning(User.id)
        ).scalar_one()
        connection.execute(
            insert(Identity).values(
                user_id=user_id,
                channel=channel,
                platform_user_id=platform_user_id,
                profile_name="",
                created_at=now,
            )
        )
        return create(session, channel, platform_user_id, **kwargs)

    monkeypatch.setattr(people, "create_user_for_identity", raced)

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [Outcome.HANDLED, Outcome.HANDLED]
    assert amina.answers_since(before) == ["a #1"]
    assert newcomer.answers_since(before)
    with amina.uow_factory() as uow:
        statuses = uow.session.scalars(
            select(InboxMessage.status).where(InboxMessage.id.in_(ids))
        ).all()
    assert statuses == [InboxStatus.HANDLED] * 2
    with amina.uow_factory() as uow:  # her user made by this worker is gone
        assert not uow.session.scalars(select(User).where(~User.identities.any())).all()


def test_a_savepoint_rolled_back_after_a_change_to_someone_else_loses_nothing_of_the_group(
    new_chat: Callable[..., Chat], soko: ChatEngine
) -> None:
    amina, manager, baraka = new_chat("amina"), new_chat("manager"), new_chat("baraka")
    in_colours(amina)
    manager.send("Hi")
    baraka.send("Hi")
    before = amina.last_outbox_id()
    ids = [
        amina.record(amina.inbound("a")).inbox_id,
        manager.record(manager.inbound(f"/start undo{user_id(baraka)}")).inbox_id,
    ]

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [Outcome.HANDLED, Outcome.HANDLED]
    assert amina.answers_since(before) == ["a #1"]
    assert manager.answers_since(before)[0] == "undone"
    with amina.uow_factory() as uow:
        statuses = uow.session.scalars(
            select(InboxMessage.status).where(InboxMessage.id.in_(ids))
        ).all()
        locale = uow.session.scalar(select(User.locale).where(User.id == user_id(baraka)))
    assert statuses == [InboxStatus.HANDLED] * 2
    assert locale == "en"


def test_her_own_shop_opened_by_one_update_is_seen_by_her_next_in_the_group(
    new_chat: Callable[..., Chat], soko: ChatEngine
) -> None:
    amina, baraka = new_chat("amina"), new_chat("baraka")
    amina.send("Hi")
    baraka.send("Hi")
    before = amina.last_outbox_id()
    ids = [
        amina.record(amina.inbound("/start stallopen")).inbox_id,
        baraka.record(baraka.inbound("Hi")).inbox_id,
        amina.record(amina.inbound("/start stallask")).inbox_id,
    ]

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 3
    answers = amina.answers_since(before)
    assert answers[0] == "opened"
    assert "shop: Stall" in answers
    assert "shop: none" not in answers


def test_a_profile_name_changed_in_the_group_is_kept_when_her_later_update_has_none(
    chat: Chat, soko: ChatEngine
) -> None:
    chat.send("Hi")
    ids = [
        chat.record(dataclasses.replace(chat.inbound("a"), profile_name=name)).inbox_id
        for name in ("Wanjiku M.", "")
    ]

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 2
    with chat.uow_factory() as uow:
        name = uow.session.scalar(
            select(Identity.profile_name).where(Identity.platform_user_id == chat.platform_user_id)
        )
    assert name == "Wanjiku M."
