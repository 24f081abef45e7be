"""Floods: twenty messages from one person within half a second are all handled, in order,
and answered once — her first few one by one, the rest of the burst with the answer to her
latest message, held a moment so that the next one in the burst can replace it. Alike when
the burst arrives as one batch (Telegram's getUpdates: one group) and one message at a
time (WhatsApp's webhooks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations.engine import ChatEngine, Outcome
from conversations.floods import FloodLimit
from conversations.flow import FlowRegistry
from store.models import OutboxMessage
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.market_support import make_market

WINDOW = timedelta(seconds=1)


class BurstClock:
    """Five seconds between reads while she chats; a millisecond during a burst."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
        self.step = timedelta(seconds=5)

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@pytest.fixture
def clock() -> BurstClock:
    return BurstClock()


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory, registry: FlowRegistry, tmp_path: Path, clock: BurstClock
) -> ChatEngine:
    market = make_market(tmp_path / "media")
    return ChatEngine(uow_factory, registry, market, clock, flood=FloodLimit(3, WINDOW))


def counting(chat: Chat) -> None:
    """She is in the colours flow, counting what she sends."""
    chat.send("Hi")
    chat.send("1")
    chat.send("/start colours")
    chat.send("1")


def held_until(uow_factory: UnitOfWorkFactory, chat: Chat, since: int) -> list[datetime]:
    with uow_factory() as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage.next_attempt_at)
                .where(
                    OutboxMessage.id > since,
                    OutboxMessage.platform_user_id == chat.platform_user_id,
                )
                .order_by(OutboxMessage.id)
            )
        )


@pytest.mark.parametrize("arrival", ["one batch", "one at a time"])
def test_twenty_messages_in_half_a_second_are_all_handled_and_answered_once(
    new_chat: Callable[..., Chat],
    soko: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    clock: BurstClock,
    arrival: str,
) -> None:
    amina = new_chat("amina")
    counting(amina)
    before = amina.last_outbox_id()

    clock.step = timedelta(milliseconds=1)
    words = [f"w{n}" for n in range(1, 21)]
    ids = [amina.record(amina.inbound(word)).inbox_id for word in words]
    if arrival == "one batch":
        results = soko.handle_many(ids)
    else:
        results = [soko.handle(inbox_id) for inbox_id in ids]
    burst_over = clock.now

    assert [result.outcome for result in results] == [Outcome.HANDLED] * 20
    assert amina.answers_since(before) == ["w1 #1", "w2 #2", "w3 #3", "w20 #20"]
    *answered, held = held_until(uow_factory, amina, before)
    assert all(due <= burst_over for due in answered)
    assert burst_over < held <= burst_over + WINDOW  # goes out once the burst is over

    # Nothing she sent was lost (all twenty counted), and after a pause she is answered as
    # usual again.
    clock.step = timedelta(seconds=5)
    later = amina.last_outbox_id()
    assert amina.send("again") == ["again #21"]
    [due] = held_until(uow_factory, amina, later)
    assert due <= clock.now


def test_someone_else_writing_meanwhile_is_answered_as_usual(
    new_chat: Callable[..., Chat], soko: ChatEngine, clock: BurstClock
) -> None:
    amina, baraka = new_chat("amina"), new_chat("baraka")
    counting(amina)
    counting(baraka)
    before = baraka.last_outbox_id()

    clock.step = timedelta(milliseconds=1)
    ids = []
    for n in range(1, 11):
        ids.append(amina.record(amina.inbound(f"a{n}")).inbox_id)
        if n % 5 == 0:
            ids.append(baraka.record(baraka.inbound(f"b{n}")).inbox_id)
    soko.handle_many(ids)

    assert baraka.answers_since(before) == ["b5 #1", "b10 #2"]


def test_an_answer_held_in_a_burst_never_comes_after_a_newer_one(
    new_chat: Callable[..., Chat],
    soko: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    clock: BurstClock,
) -> None:
    amina = new_chat("amina")
    counting(amina)
    before = amina.last_outbox_id()

    clock.step = timedelta(milliseconds=100)  # four in 0.4 s: the fourth is a burst's
    for word in ("w1", "w2", "w3", "w4"):
        amina.send(word)
    # Soon after, but with only two of hers in the last second: answered at once. The
    # burst's answer, still held, must not follow it.
    clock.step = timedelta(milliseconds=800)
    amina.send("w5")
    assert amina.answers_since(before) == ["w1 #1", "w2 #2", "w3 #3", "w5 #5"]
    assert all(due <= clock.now for due in held_until(uow_factory, amina, before))
