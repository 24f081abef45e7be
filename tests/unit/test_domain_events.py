"""Domain events: handlers run in the publisher's unit of work, once each however often
subscribed; an event nobody listens to is logged, never dropped silently."""

from __future__ import annotations

import logging
from dataclasses import dataclass, is_dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bot.container import Container
from bot.settings import Settings
from payments import completion
from payments import events as payment_events
from store import events
from store.services.order_events import PaidOrderCancelled

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class PieceWrapped:
    code: str


@dataclass(frozen=True)
class NobodyCares:
    code: str


def test_each_handler_runs_once_with_the_publishers_session() -> None:
    seen: list[tuple[Any, str, datetime]] = []

    def note(session: Any, event: PieceWrapped, now: datetime) -> None:
        seen.append((session, event.code, now))

    events.subscribe(PieceWrapped, note)
    events.subscribe(PieceWrapped, note)  # every process start subscribes again
    session = object()
    events.publish(session, PieceWrapped("SK-1"), NOW)  # type: ignore[arg-type]
    assert seen == [(session, "SK-1", NOW)]


def test_an_event_nobody_listens_to_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="store.events"):
        events.publish(object(), NobodyCares("SK-2"), NOW)  # type: ignore[arg-type]
    assert "NobodyCares: nobody subscribed" in caplog.text


def test_every_payments_event_has_the_chats_handler() -> None:
    from bot.domain_events import subscribe_notices

    subscribe_notices()
    published = [
        value
        for value in vars(payment_events).values()
        # The events are dataclasses; the module's enums (a failure's reason) are their words.
        if is_dataclass(value) and value.__module__ == payment_events.__name__
    ]
    assert payment_events.PhonePaymentFailed in published
    assert published
    assert all(events._handlers.get(kind) for kind in published)


def test_every_process_reverses_the_sale_of_a_cancelled_paid_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`soko run`, `web`, `scheduler`, `chat`, `demo` and the admin commands each build a
    container first: building one subscribes every handler, payments' answer to a buyer's
    cancellation included (the chat flow no longer calls payments itself)."""
    monkeypatch.setattr(events, "_handlers", {})  # a fresh process: nothing subscribed yet
    Container(Settings(_env_file=None, telegram_bot_token=SecretStr("")))  # type: ignore[call-arg]
    assert events._handlers[PaidOrderCancelled] == [completion.on_paid_order_cancelled]
    assert events._handlers[payment_events.OrderPaid]  # and the chat's notices
