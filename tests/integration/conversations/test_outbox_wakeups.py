"""A commit that queues a message wakes its channel's sender (in this process), once; a
rollback wakes nobody, and a waker that fails never fails the commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from conversations import outbox
from conversations.messages import Outbound
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.factories import make_user

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def woken() -> Iterator[dict[Channel, int]]:
    counts = {Channel.WHATSAPP: 0, Channel.TELEGRAM: 0}

    def waker(channel: Channel) -> Callable[[], None]:
        def wake() -> None:
            counts[channel] += 1

        return outbox.on_queued(channel, wake)

    forgets = [waker(channel) for channel in counts]
    yield counts
    for forget in forgets:
        forget()


def queue(uow_factory: UnitOfWorkFactory, channel: Channel, *, commit: bool = True) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session, channel=channel)
        for text in ("Karibu!", "Chagua:"):
            outbox.enqueue(uow.session, user.id, channel, "+254700000001", Outbound(text), now=NOW)
        if commit:
            uow.commit()


def test_a_commit_that_queues_whatsapp_messages_wakes_the_whatsapp_sender_once(
    uow_factory: UnitOfWorkFactory, woken: dict[Channel, int]
) -> None:
    queue(uow_factory, Channel.WHATSAPP)
    assert woken == {Channel.WHATSAPP: 1, Channel.TELEGRAM: 0}
    queue(uow_factory, Channel.TELEGRAM)
    assert woken == {Channel.WHATSAPP: 1, Channel.TELEGRAM: 1}


def test_a_rolled_back_message_wakes_nobody_and_the_next_commit_neither(
    uow_factory: UnitOfWorkFactory, woken: dict[Channel, int]
) -> None:
    queue(uow_factory, Channel.WHATSAPP, commit=False)
    with uow_factory() as uow:
        make_user(uow.session)
        uow.commit()
    assert woken == {Channel.WHATSAPP: 0, Channel.TELEGRAM: 0}


def test_a_waker_that_fails_does_not_fail_the_commit(uow_factory: UnitOfWorkFactory) -> None:
    def closed_loop() -> None:
        raise RuntimeError("Event loop is closed")

    forget = outbox.on_queued(Channel.WHATSAPP, closed_loop)
    try:
        queue(uow_factory, Channel.WHATSAPP)
    finally:
        forget()
    with uow_factory(read_only=True) as uow:
        assert len(outbox.due_messages(uow.session, NOW, 10, channel=Channel.WHATSAPP)) == 2
