"""The engine while the process stops (bot/ sets its `stopping` signal on SIGINT or SIGTERM):
work cut short is handed back without a word. The update stays pending, the attempt is not
counted, nobody is asked to try again, nothing is logged as an error; the next start handles
it once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from conversations.engine import ChatEngine, Outcome
from conversations.flow import FlowRegistry
from store.models import InboxMessage, InboxStatus
from tests.integration.conversations.conftest import Bugs, Chat
from tests.market_support import make_market

READY = "Ready?\n1. Go\n2. Denied\n3. Gone"


@pytest.fixture
def stopping() -> threading.Event:
    return threading.Event()


@pytest.fixture
def stoppable(
    chat: Chat, registry: FlowRegistry, tmp_path: Path, stopping: threading.Event
) -> Chat:
    """`chat`, on an engine that `stopping` can stop."""
    chat.engine = ChatEngine(
        chat.uow_factory, registry, make_market(tmp_path / "media"), stopping=stopping
    )
    chat.send("Hi")
    chat.send("1")
    assert chat.send("/start trouble") == [READY]
    return chat


def restarted(chat: Chat, registry: FlowRegistry, tmp_path: Path) -> ChatEngine:
    return ChatEngine(chat.uow_factory, registry, make_market(tmp_path / "media"))


def inbox_row(chat: Chat, inbox_id: int) -> tuple[InboxStatus, int, str]:
    with chat.uow_factory() as uow:
        row = uow.session.get(InboxMessage, inbox_id)
        assert row is not None
        return row.status, row.attempts, row.error


def test_a_step_failing_because_the_process_stops_is_handed_back_without_a_word(
    stoppable: Chat,
    bugs: Bugs,
    stopping: threading.Event,
    registry: FlowRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As when a photo's helper threads refuse work once the interpreter shuts down.
    bugs.meanwhile = stopping.set
    bugs.unexpected = True
    with caplog.at_level(logging.INFO):
        assert stoppable.send("my photos") == []  # no "Sorry, something went wrong"
    handed_back = stoppable.results[-1]
    assert handed_back.outcome is Outcome.HANDED_BACK
    assert inbox_row(stoppable, handed_back.inbox_id) == (InboxStatus.RECEIVED, 0, "")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

    bugs.meanwhile, bugs.unexpected = (lambda: None), False
    before = stoppable.last_outbox_id()
    again = restarted(stoppable, registry, tmp_path)
    assert [r.outcome for r in again.handle_pending()] == [Outcome.HANDLED]
    assert stoppable.answers_since(before) == ["working", "fine: my photos"]
    assert again.handle_pending() == []


def test_once_stopping_the_engine_starts_no_update_and_leaves_them_pending(
    stoppable: Chat, stopping: threading.Event, registry: FlowRegistry, tmp_path: Path
) -> None:
    ids = [stoppable.record(stoppable.inbound(text)).inbox_id for text in ("a", "b", "c")]
    stopping.set()
    before = stoppable.last_outbox_id()
    assert stoppable.engine.handle(ids[0]).outcome is Outcome.HANDED_BACK
    assert [r.outcome for r in stoppable.engine.handle_pending()] == [Outcome.HANDED_BACK] * 3
    assert stoppable.answers_since(before) == []
    assert [inbox_row(stoppable, i) for i in ids] == [(InboxStatus.RECEIVED, 0, "")] * 3

    again = restarted(stoppable, registry, tmp_path)
    assert [r.outcome for r in again.handle_pending()] == [Outcome.HANDLED] * 3
    answers = stoppable.answers_since(before)
    assert answers == ["working", "fine: a", "working", "fine: b", "working", "fine: c"]


def test_a_group_failing_because_the_process_stops_is_handed_back_whole(
    stoppable: Chat,
    bugs: Bugs,
    stopping: threading.Event,
    registry: FlowRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = [stoppable.record(stoppable.inbound(text)).inbox_id for text in ("a", "b")]
    bugs.meanwhile = stopping.set
    bugs.unexpected = True
    before = stoppable.last_outbox_id()
    with caplog.at_level(logging.INFO):
        results = stoppable.engine.handle_many(ids)
    assert [r.outcome for r in results] == [Outcome.HANDED_BACK] * 2
    assert stoppable.answers_since(before) == []
    assert [inbox_row(stoppable, i) for i in ids] == [(InboxStatus.RECEIVED, 0, "")] * 2
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

    bugs.meanwhile, bugs.unexpected = (lambda: None), False
    again = restarted(stoppable, registry, tmp_path)
    assert [r.outcome for r in again.handle_pending()] == [Outcome.HANDLED] * 2
