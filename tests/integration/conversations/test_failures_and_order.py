"""The bad days, on both databases: store errors, bugs, duplicates in parallel, ordering."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from conversations.engine import ChatEngine, Outcome
from conversations.state import ConversationSnapshot, SqlStateStore
from store.models import InboxMessage, InboxStatus, OutboxMessage, User
from tests.integration.conversations.conftest import Bugs, Chat

READY = "Ready?\n1. Go\n2. Denied\n3. Gone"
SORRY_START_AGAIN = "Sorry, something went wrong on our side. Let's start again from the menu."


def in_trouble(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    assert chat.send("/start trouble") == [READY]


def snapshot(chat: Chat) -> tuple[ConversationSnapshot, int, int]:
    """State, users and outbox as they stand (to prove nothing was half-written)."""
    with chat.uow_factory() as uow:
        session = uow.session
        user_id = session.execute(select(User.id).order_by(User.id)).scalars().first()
        assert user_id is not None
        state = SqlStateStore(session).load(user_id)
        users = session.execute(select(func.count()).select_from(User)).scalar_one()
        outbox = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        return state, users, outbox


def inbox_row(chat: Chat, inbox_id: int) -> InboxMessage:
    with chat.uow_factory() as uow:
        row = uow.session.get(InboxMessage, inbox_id)
        assert row is not None
        uow.session.expunge(row)
        return row


@pytest.mark.parametrize(
    ("answer", "kind_words"),
    [
        ("1", "Sorry, something went wrong. Please try again."),
        ("Denied", "Sorry, you can't do that."),
        ("gone", "Sorry, I couldn't find that. It may have been removed."),
    ],
)
def test_a_store_error_gets_a_kind_word_and_writes_nothing(
    chat: Chat, answer: str, kind_words: str
) -> None:
    in_trouble(chat)
    state, users, outbox = snapshot(chat)
    assert chat.send(answer) == [kind_words]
    assert chat.results[-1].outcome is Outcome.REFUSED
    assert snapshot(chat) == (state, users, outbox + 1)  # only the kind word was added
    row = inbox_row(chat, chat.results[-1].inbox_id)
    assert row.status is InboxStatus.HANDLED
    # The question is still open: its choices still resolve.
    assert chat.send("Go") == ["Sorry, something went wrong. Please try again."]


def test_a_store_error_on_first_contact_still_answers_in_the_hinted_language(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("zawadi", locale_hint="sw")
    chat.send("Habari")
    chat.send("2")
    chat.send("/start trouble")
    assert chat.send("2") == ["Samahani, huwezi kufanya hivyo."]


def test_a_bug_is_answered_kindly_writes_nothing_of_the_step_and_is_parked(
    chat: Chat, bugs: Bugs, soko: ChatEngine, caplog: pytest.LogCaptureFixture
) -> None:
    in_trouble(chat)
    menu = chat.send("menu")
    chat.send("/start trouble")
    _, users, outbox = snapshot(chat)
    bugs.unexpected = True
    with caplog.at_level(logging.ERROR):
        assert chat.send("fine?") == [SORRY_START_AGAIN, *menu]
    failed = chat.results[-1]
    assert failed.outcome is Outcome.FAILED
    row = inbox_row(chat, failed.inbox_id)
    assert (row.status, row.attempts) == (InboxStatus.FAILED, 1)
    assert row.error.startswith("RuntimeError at conftest.py:")
    assert "secret-token" not in caplog.text
    assert "secret-token" not in row.error
    state, users_after, outbox_after = snapshot(chat)
    # The apology and the menu, in one message.
    assert (state.flow, users_after, outbox_after) == ("menu", users, outbox + 1)

    # Parked: the sweep leaves it alone, even once the bug is fixed.
    bugs.unexpected = False
    before = chat.last_outbox_id()
    assert soko.handle_pending() == []
    assert chat.answers_since(before) == []


def test_handling_a_later_update_first_processes_the_earlier_ones_in_order(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("/start colours")
    chat.send("1")
    ids = [chat.record(chat.inbound(text)).inbox_id for text in ("a", "b", "c")]
    before = chat.last_outbox_id()
    assert chat.engine.handle(ids[2]).outcome is Outcome.HANDLED
    assert chat.answers_since(before) == ["a #1", "b #2", "c #3"]
    assert chat.engine.handle(ids[0]).outcome is Outcome.ALREADY_HANDLED


def test_the_same_update_delivered_twice_in_parallel_has_one_effect(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("/start colours")
    update = chat.inbound("2", message_id="tg-dup")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            recorded = chat.record(update)
            outcomes.append((recorded.duplicate, chat.engine.handle(recorded.inbox_id).outcome))
        except BaseException as exc:
            errors.append(exc)

    before = chat.last_outbox_id()
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == [
        (False, Outcome.HANDLED),
        (True, Outcome.ALREADY_HANDLED),
    ] or sorted(outcomes) == [(False, Outcome.ALREADY_HANDLED), (True, Outcome.HANDLED)]
    assert chat.answers_since(before) == ["You chose c:blue"]
    with chat.uow_factory() as uow:
        rows = uow.session.execute(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.platform_id == "tg-dup")
        ).scalar_one()
    assert rows == 1


def test_two_workers_on_one_persons_updates_keep_their_order(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("/start colours")
    chat.send("1")
    ids = [chat.record(chat.inbound(text)).inbox_id for text in ("a", "b", "c", "d")]
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def work(inbox_id: int) -> None:
        try:
            barrier.wait()
            chat.engine.handle(inbox_id)
        except BaseException as exc:
            errors.append(exc)

    before = chat.last_outbox_id()
    threads = [threading.Thread(target=work, args=(i,)) for i in reversed(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert chat.answers_since(before) == ["a #1", "b #2", "c #3", "d #4"]


def test_messages_wait_behind_one_whose_photos_are_still_being_fetched(
    chat: Chat, bugs: Bugs, soko: ChatEngine
) -> None:
    in_trouble(chat)
    photos_first = chat.record(chat.inbound("with photos"))
    with chat.uow_factory() as uow:
        row = uow.session.get(InboxMessage, photos_first.inbox_id)
        assert row is not None
        row.status = InboxStatus.AWAITING_MEDIA  # as an adapter does while downloading
        uow.commit()
    assert chat.send("title") == []
    assert chat.results[-1].outcome is Outcome.DEFERRED
    # A sweep does not jump the queue either.
    assert [r.outcome for r in soko.handle_pending()] == [Outcome.DEFERRED]
    with chat.uow_factory() as uow:
        row = uow.session.get(InboxMessage, photos_first.inbox_id)
        assert row is not None
        row.status = InboxStatus.RECEIVED  # the photos are in
        uow.commit()
    before = chat.last_outbox_id()
    outcomes = [r.outcome for r in soko.handle_pending()]
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert chat.answers_since(before) == ["working", "fine: with photos", "working", "fine: title"]
