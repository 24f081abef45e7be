"""The failure policy, on both databases: a bug answered at once and parked, her flow reset,
community managers alerted at most once a window; a busy database retried with backoff."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from conversations.engine import ChatEngine, Outcome
from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.messages import Inbound
from conversations.notify.failures import alert_held_back
from store.models import ConversationState, InboxMessage, InboxStatus, Role, User, UserRole
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Bugs, Chat, build_registry
from tests.market_support import make_market

SORRY = "Sorry, something went wrong on our side. Let's start again from the menu."
SORRY_SW = "Samahani, kuna hitilafu upande wetu. Tuanze tena kutoka kwenye menyu."


class Clock:
    """Time that stands still unless moved."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class Busy:
    """How many more times the `draft` flow's step finds the database locked."""

    times: int = 0
    pauses: list[float] = field(default_factory=list)


# --- draft: a flow that keeps the words written so far when left, and can fail ---------------
class Draft(StrEnum):
    WORDS = "words"


def make_draft_flow(busy: Busy) -> Flow:
    def start(ctx: StepContext, arg: str) -> StepResult:
        words = list(ctx.data.get("words", []))
        ctx.say(f"Your draft: {' '.join(words)}" if words else "Write words")
        return StepResult(Draft.WORDS, {"words": words})

    def words(ctx: StepContext, inbound: Inbound) -> StepResult:
        ctx.session.add(User(display_name="half-written"))
        ctx.session.flush()
        if busy.times:
            busy.times -= 1
            raise OperationalError("UPDATE …", {}, sqlite3.OperationalError("database is locked"))
        if inbound.text == "boom":
            raise KeyError("secret-token-1234")
        written = [*ctx.data["words"], inbound.text]
        ctx.say(f"{len(written)} words")
        return StepResult(Draft.WORDS, {"words": written})

    def keep(ctx: StepContext) -> dict[str, list[str]]:
        return {"words": ctx.data["words"]}

    return Flow("draft", {Draft.WORDS: words}, start, on_leave=keep)


@pytest.fixture
def busy() -> Busy:
    return Busy()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(bugs: Bugs, busy: Busy) -> FlowRegistry:
    registry = build_registry(bugs)
    registry.add(make_draft_flow(busy))
    registry.add_start_route("draft", "draft")
    return registry


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory,
    registry: FlowRegistry,
    tmp_path: Path,
    clock: Clock,
    busy: Busy,
) -> ChatEngine:
    return ChatEngine(
        uow_factory,
        registry,
        make_market(tmp_path / "media"),
        clock,
        sleep=busy.pauses.append,
        alert_window=timedelta(minutes=15),
    )


def drafting(chat: Chat) -> list[str]:
    """She starts a draft with one word; the main menu as she is shown it."""
    chat.send("Hi")
    chat.send("1")
    menu = chat.send("menu")
    assert chat.send("/start draft") == ["Write words"]
    assert chat.send("beads") == ["1 words"]
    return menu


def inbox_row(chat: Chat, inbox_id: int) -> InboxMessage:
    with chat.uow_factory() as uow:
        row = uow.session.get(InboxMessage, inbox_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def manager(new_chat: Callable[..., Chat], name: str, locale: str = "en") -> Chat:
    cm = new_chat(name, locale_hint=locale)
    cm.send("Habari" if locale == "sw" else "Hi")
    with cm.uow_factory() as uow:
        user_id = max(uow.session.query(User.id).all())[0]
        uow.session.add(UserRole(user_id=user_id, role=Role.COMMUNITY_MANAGER))
        uow.commit()
    return cm


def test_a_bug_is_answered_at_once_and_her_next_message_is_not_held_up(
    chat: Chat, soko: ChatEngine
) -> None:
    menu = drafting(chat)
    assert chat.send("boom") == [SORRY, *menu]
    failed = chat.results[-1]
    assert failed.outcome is Outcome.FAILED
    # Her next message is handled at once, against the reset state: she is at the menu, and
    # the draft kept what it had when she left it.
    assert chat.send("/start draft") == ["Your draft: beads"]
    assert chat.results[-1].outcome is Outcome.HANDLED
    assert chat.send("more") == ["2 words"]


def test_the_failed_row_is_parked_for_the_operator_and_never_retried(
    chat: Chat, soko: ChatEngine, clock: Clock
) -> None:
    drafting(chat)
    chat.send("boom")
    row = inbox_row(chat, chat.results[-1].inbox_id)
    assert (row.status, row.attempts) == (InboxStatus.FAILED, 1)
    assert row.error.startswith("KeyError at test_failure_policy.py:")
    assert "secret-token" not in row.error
    before = chat.last_outbox_id()
    clock.advance(timedelta(hours=1))
    assert soko.handle_pending() == []
    assert chat.answers_since(before) == []
    assert inbox_row(chat, row.id).status is InboxStatus.FAILED


def test_a_bug_is_answered_in_her_language(new_chat: Callable[..., Chat], soko: ChatEngine) -> None:
    zawadi = new_chat("zawadi", locale_hint="sw")
    zawadi.send("Habari")
    zawadi.send("2")
    menu = zawadi.send("menyu")
    zawadi.send("/start draft")
    assert zawadi.send("boom") == [SORRY_SW, *menu]


def test_managers_get_one_alert_for_failures_in_a_window_then_another_after_it(
    new_chat: Callable[..., Chat], soko: ChatEngine, clock: Clock
) -> None:
    grace = manager(new_chat, "grace")
    juma = manager(new_chat, "juma", "sw")
    amina = new_chat("amina")
    drafting(amina)
    before = grace.last_outbox_id()

    amina.send("boom")
    error = inbox_row(amina, amina.results[-1].inbox_id).error
    alert = (
        "Soko alert: messages that failed with an error since the last alert: {count}. "
        f"Latest: {error}. Each person was told and can carry on. "
        "The operator can list them with: soko admin failed"
    )
    assert grace.answers_since(before) == [alert.format(count=1)]
    assert juma.answers_since(before) == [
        "Tahadhari ya Soko: ujumbe uliokwama kwa hitilafu tangu tahadhari iliyopita: 1. "
        f"Ya mwisho: {error}. Kila mtu aliambiwa na anaweza kuendelea. "
        "Msimamizi wa mfumo anaweza kuziorodhesha kwa: soko admin failed"
    ]

    for _ in range(2):  # within the window: no more alerts
        clock.advance(timedelta(minutes=5))
        amina.send("/start draft")
        amina.send("boom")
    assert grace.answers_since(before) == [alert.format(count=1)]

    clock.advance(timedelta(minutes=6))  # the window is over: the next failure alerts
    amina.send("/start draft")
    amina.send("boom")
    assert grace.answers_since(before) == [alert.format(count=1), alert.format(count=3)]
    assert not any("boom" in text or "secret" in text for text in grace.answers_since(before))


def test_failures_held_back_in_a_window_are_alerted_when_it_ends_without_another(
    new_chat: Callable[..., Chat], soko: ChatEngine, clock: Clock
) -> None:
    grace = manager(new_chat, "grace")
    amina = new_chat("amina")
    drafting(amina)
    before = grace.last_outbox_id()
    amina.send("boom")
    error = inbox_row(amina, amina.results[-1].inbox_id).error
    alert = (
        "Soko alert: messages that failed with an error since the last alert: {count}. "
        f"Latest: {error}. Each person was told and can carry on. "
        "The operator can list them with: soko admin failed"
    )
    clock.advance(timedelta(minutes=5))
    amina.send("/start draft")
    amina.send("boom")  # inside the window: held back
    assert grace.answers_since(before) == [alert.format(count=1)]

    def scheduler_pass() -> int:  # the `send_held_alerts` job, every minute
        with amina.uow_factory() as uow:
            sent = alert_held_back(uow.session, clock.now)
            uow.commit()
        return sent

    clock.advance(timedelta(minutes=9))
    assert scheduler_pass() == 0  # the window is not over yet
    clock.advance(timedelta(minutes=2))
    assert scheduler_pass() == 1  # over, and nobody failed since: the held one goes out
    assert grace.answers_since(before) == [alert.format(count=1), alert.format(count=1)]
    clock.advance(timedelta(minutes=20))
    assert scheduler_pass() == 0  # nothing held back since


def test_a_locked_database_is_tried_again_at_once_without_an_apology(
    chat: Chat, busy: Busy
) -> None:
    drafting(chat)
    busy.times = 1
    assert chat.send("more") == ["2 words"]
    assert chat.results[-1].outcome is Outcome.HANDLED
    assert busy.pauses == [0.05]


def test_a_database_locked_for_longer_is_retried_with_backoff_and_succeeds(
    chat: Chat, soko: ChatEngine, busy: Busy, clock: Clock
) -> None:
    drafting(chat)
    busy.times = 3  # the first try and both quick retries
    assert chat.send("more") == []
    waiting = chat.results[-1]
    assert waiting.outcome is Outcome.RETRY
    row = inbox_row(chat, waiting.inbox_id)
    assert (row.status, row.attempts) == (InboxStatus.RECEIVED, 1)
    assert row.retry_at == clock.now + timedelta(seconds=30)
    # Her next message waits behind it, and so does the sweep until it is due.
    assert chat.send("again") == []
    assert chat.results[-1].outcome is Outcome.DEFERRED
    before = chat.last_outbox_id()
    assert soko.handle_pending() == []
    clock.advance(timedelta(seconds=30))
    assert [r.outcome for r in soko.handle_pending()] == [Outcome.HANDLED, Outcome.HANDLED]
    assert chat.answers_since(before) == ["2 words", "3 words"]
    assert inbox_row(chat, waiting.inbox_id).status is InboxStatus.HANDLED


def test_backoff_doubles_and_a_lock_that_never_ends_is_answered_as_a_bug(
    chat: Chat, soko: ChatEngine, busy: Busy, clock: Clock
) -> None:
    menu = drafting(chat)
    busy.times = 1000
    chat.send("more")
    inbox_id = chat.results[-1].inbox_id
    waits = []
    for _ in range(3):
        due = inbox_row(chat, inbox_id).retry_at
        assert due is not None
        waits.append(due - clock.now)
        clock.advance(due - clock.now)
        soko.handle_pending()
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120)]
    # The sweep does not take it before it is due, nor her message recorded meanwhile.
    chat.record(chat.inbound("/start draft"))
    tries = busy.times
    clock.advance(timedelta(minutes=3, seconds=59))
    assert soko.handle_pending() == []
    assert busy.times == tries
    before = chat.last_outbox_id()
    clock.advance(timedelta(seconds=1))
    # Its fifth try fails too: it is answered as a bug, and hers handled after it.
    outcomes = [r.outcome for r in soko.handle_pending()]
    assert outcomes == [Outcome.FAILED, Outcome.HANDLED]
    assert chat.answers_since(before) == [SORRY, *menu, "Your draft: beads"]
    assert inbox_row(chat, inbox_id).attempts == 5


def test_a_saved_state_that_cannot_be_read_is_dropped_and_she_starts_again(
    chat: Chat, soko: ChatEngine
) -> None:
    menu = drafting(chat)
    with chat.uow_factory() as uow:  # as an older version of the code might have left it
        uow.session.execute(update(ConversationState).values(data={"flow_data": [1, 2]}))
        uow.commit()
    assert chat.send("more") == [SORRY, *menu]
    assert chat.results[-1].outcome is Outcome.FAILED
    assert chat.send("/start draft") == ["Write words"]


def test_her_next_message_waits_only_while_the_busy_one_is_due_soon(
    chat: Chat, soko: ChatEngine, busy: Busy, clock: Clock
) -> None:
    drafting(chat)
    busy.times = 1000
    chat.send("more")
    inbox_id = chat.results[-1].inbox_id
    for _ in range(2):  # due again in 30 s, then in 60 s: soon
        clock.advance(inbox_row(chat, inbox_id).retry_at - clock.now)  # type: ignore[operator]
        soko.handle_pending()
    assert inbox_row(chat, inbox_id).retry_at == clock.now + timedelta(minutes=2)
    busy.times = 0  # the database is free again
    # Due in two minutes: not soon. Her next message has it tried again first.
    assert chat.send("again") == ["2 words", "3 words"]
    assert chat.results[-1].outcome is Outcome.HANDLED
