"""Group commit, on both databases: several updates handled in one unit of work. A failing
step rolls the group back; the others are handled again and commit, the failing one gets its
usual answer, and nothing it wrote remains. A unit of work that fails as a whole, or a crash
before its commit, leaves every update of the group to be handled again — once, with one
reply each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from conversations.engine import ChatEngine, Outcome
from conversations.flow import FlowRegistry
from conversations.photos import PhotoIntake
from store.models import InboxMessage, InboxStatus, OutboxMessage, User
from store.uow import UnitOfWork, UnitOfWorkFactory
from tests.integration.conversations.conftest import Bugs, Chat, Clock
from tests.market_support import make_market


def in_colours(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("/start colours")
    chat.send("1")


SORRY_START_AGAIN = "Sorry, something went wrong on our side. Let's start again from the menu."


def in_trouble(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("/start trouble")


def half_written_users(chat: Chat) -> int:
    with chat.uow_factory() as uow:
        found = select(func.count()).select_from(User).where(User.display_name == "half-written")
        return uow.session.execute(found).scalar_one()


def inbox_status(chat: Chat, inbox_id: int) -> tuple[InboxStatus, int]:
    with chat.uow_factory() as uow:
        row = uow.session.get(InboxMessage, inbox_id)
        assert row is not None
        return row.status, row.attempts


def test_a_group_commits_each_update_and_a_failing_step_is_answered_alone(
    new_chat: Callable[..., Chat], soko: ChatEngine, bugs: Bugs
) -> None:
    amina, baraka, chiku, dalia = (new_chat(name) for name in ("amina", "baraka", "chiku", "dalia"))
    in_colours(amina)
    in_trouble(baraka)
    in_trouble(chiku)
    in_colours(dalia)
    before = amina.last_outbox_id()
    bugs.unexpected = True
    ids = [
        amina.record(amina.inbound("a")).inbox_id,
        baraka.record(baraka.inbound("boom")).inbox_id,
        chiku.record(chiku.inbound(payload="denied")).inbox_id,
        dalia.record(dalia.inbound("d")).inbox_id,
    ]

    results = soko.handle_many(ids)

    assert [r.outcome for r in results] == [
        Outcome.HANDLED,
        Outcome.FAILED,
        Outcome.REFUSED,
        Outcome.HANDLED,
    ]
    assert amina.answers_since(before) == ["a #1"]
    assert baraka.answers_since(before)[0] == SORRY_START_AGAIN
    assert chiku.answers_since(before) == ["Sorry, you can't do that."]
    assert dalia.answers_since(before) == ["d #1"]
    assert half_written_users(amina) == 0  # both failing steps' writes were rolled back
    assert inbox_status(amina, ids[0]) == (InboxStatus.HANDLED, 0)
    assert inbox_status(amina, ids[1]) == (InboxStatus.FAILED, 1)
    assert inbox_status(amina, ids[2]) == (InboxStatus.HANDLED, 0)

    assert soko.handle_pending() == []  # parked, never retried
    # Each of the others was handled once, and her next message is handled as usual.
    assert baraka.send("/start trouble") == ["Ready?\n1. Go\n2. Denied\n3. Gone"]
    assert amina.answers_since(before) == ["a #1"]
    assert dalia.answers_since(before) == ["d #1"]


def test_one_persons_updates_in_a_group_are_handled_in_order(
    chat: Chat, soko: ChatEngine, bugs: Bugs
) -> None:
    in_colours(chat)
    before = chat.last_outbox_id()
    ids = [chat.record(chat.inbound(text)).inbox_id for text in ("a", "b", "c")]
    results = soko.handle_many(list(reversed(ids)))
    # Handling "c" handles "a" and "b" first; asked for them afterwards, they are done.
    assert [r.outcome for r in results] == [
        Outcome.HANDLED,
        Outcome.ALREADY_HANDLED,
        Outcome.ALREADY_HANDLED,
    ]
    assert chat.answers_since(before) == ["a #1", "b #2", "c #3"]


class FailingCommits(UnitOfWorkFactory):
    """Units of work whose next `failures` commits fail, with `error`, before committing."""

    def __init__(self, inner: UnitOfWorkFactory, error: BaseException, failures: int = 1) -> None:
        super().__init__(inner.engine)
        self._error = error
        self.failures = failures

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        uow = super().__call__(read_only=read_only)
        if read_only:
            return uow
        factory = self

        class Failing(UnitOfWork):
            def commit(self) -> None:
                if factory.failures > 0:
                    factory.failures -= 1
                    raise factory._error
                super().commit()

        return Failing(uow.session, uow._writers)


def outbox_count(chat: Chat) -> int:
    with chat.uow_factory() as uow:
        return uow.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


@pytest.fixture
def engine_on(
    intake: PhotoIntake, registry: FlowRegistry, tmp_path: Path
) -> Callable[[UnitOfWorkFactory], ChatEngine]:
    def make(factory: UnitOfWorkFactory) -> ChatEngine:
        return ChatEngine(factory, registry, make_market(tmp_path / "media"), Clock())

    return make


def test_a_group_that_fails_as_a_whole_is_handled_again_one_by_one(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    engine_on: Callable[[UnitOfWorkFactory], ChatEngine],
) -> None:
    chats = [new_chat(name) for name in ("amina", "baraka", "chiku")]
    for chat in chats:
        in_colours(chat)
    before = chats[0].last_outbox_id()
    ids = [chat.record(chat.inbound("x")).inbox_id for chat in chats]
    failing = FailingCommits(uow_factory, OperationalError("COMMIT", {}, Exception("deadlock")))

    results = engine_on(failing).handle_many(ids)

    assert failing.failures == 0
    assert [r.outcome for r in results] == [Outcome.HANDLED] * 3
    for chat in chats:
        assert chat.answers_since(before) == ["x #1"]


class Crash(BaseException):
    """The process dying between handling a group and committing it."""


def test_a_crash_before_the_groups_commit_leaves_it_to_be_handled_again_once(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    engine_on: Callable[[UnitOfWorkFactory], ChatEngine],
    soko: ChatEngine,
) -> None:
    chats = [new_chat(name) for name in ("amina", "baraka", "chiku")]
    for chat in chats:
        in_colours(chat)
    before = chats[0].last_outbox_id()
    outbox_before = outbox_count(chats[0])
    ids = [chat.record(chat.inbound("x")).inbox_id for chat in chats]

    with pytest.raises(Crash):
        engine_on(FailingCommits(uow_factory, Crash())).handle_many(ids)

    # Nothing of the group is durable: no reply can have been delivered.
    assert outbox_count(chats[0]) == outbox_before
    assert all(inbox_status(chats[0], i) == (InboxStatus.RECEIVED, 0) for i in ids)
    # After the restart, the sweep handles each once.
    results: list[Any] = soko.handle_pending()
    assert [r.outcome for r in results] == [Outcome.HANDLED] * 3
    for chat in chats:
        assert chat.answers_since(before) == ["x #1"]
    assert soko.handle_pending() == []
