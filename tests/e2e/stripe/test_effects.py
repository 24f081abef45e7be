"""Stripe calls run as effects, after the commit that asked for them: a Stripe that hangs
holds nobody else's chat, a commit that fails after Stripe acted loses nothing, and a
Stripe that answers 5xx is asked again later with the same idempotency key.

The chats run on the real engine and flows, paying through the real stripe library against
the fake Stripe API; the effects run on the runner `soko run` keeps going."""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.cli import main
from conversations.engine import ChatEngine
from conversations.flows import builtin_registry
from conversations.photos import PhotoIntake
from payments.refunds import REFUND_REQUEST
from payments.stripe_checkout import StripePayments
from store.media.pipeline import PhotoLimits
from store.media.storage import LocalMediaStore
from store.models import (
    LedgerTransaction,
    Order,
    OutboxMessage,
    PaymentEvent,
    Role,
    TransactionKind,
)
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory
from tests.e2e.soko_process import wait_until
from tests.e2e.stripe.stripe_support import (
    BASE_URL,
    deliver,
    effect_runner,
    place_and_checkout,
    run_effects,
    webhook_client,
)
from tests.e2e.stripe.test_admin_money import ADMIN_PHONE, cli_env
from tests.factories import make_user
from tests.fakes.stripe_api import FakeStripe
from tests.integration.conversations.buying_support import hello, seed_maker, seed_product
from tests.integration.conversations.conftest import Chat
from tests.market_support import make_market

__all__ = ["cli_env"]

PLACED = "Order {code} is placed. We hold these pieces for 30 minutes."
PREPARING = "Preparing your payment link… I will send it here in a moment."


@pytest.fixture
def chat_engine(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, tmp_path: Path
) -> ChatEngine:
    shop = replace(make_market(tmp_path / "media", public_base_url=BASE_URL), payments=payments)
    return ChatEngine(uow_factory, builtin_registry(), shop, utcnow)


def person(engine: ChatEngine, uow_factory: UnitOfWorkFactory, name: str) -> Chat:
    # Nobody sends photos here: the intake (the adapters') never writes to this folder.
    unused = Path(tempfile.gettempdir()) / "soko-effects-media"
    intake = PhotoIntake(LocalMediaStore(unused, BASE_URL), PhotoLimits())
    return Chat(engine, uow_factory, intake, name)


def at_the_summary(engine: ChatEngine, uow_factory: UnitOfWorkFactory) -> Chat:
    """A buyer with a collar in hand, her address typed, looking at "Place order"."""
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    buyer = person(engine, uow_factory, "buyer")
    hello(buyer)
    buyer.send(f"/start p-{collar}")
    for answer in ("Buy now", "Anna Schmidt", "Hauptstr. 1, 10115 Berlin", "DE"):
        buyer.send(answer)
    return buyer


def in_thread(work: Any) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def only_order(uow_factory: UnitOfWorkFactory) -> Order:
    with uow_factory(read_only=True) as uow:
        return uow.session.scalars(select(Order)).one()


def texts_to(uow_factory: UnitOfWorkFactory, chat: str) -> list[str]:
    with uow_factory(read_only=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.platform_user_id == chat)
            .order_by(OutboxMessage.id)
        )
        return [row.payload.get("text", "") for row in rows]


def test_stripe_hanging_does_not_stop_other_peoples_chats(
    chat_engine: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    caplog: pytest.LogCaptureFixture,
) -> None:
    buyer = at_the_summary(chat_engine, uow_factory)
    others = [person(chat_engine, uow_factory, f"other-{n}") for n in range(4)]
    runner = effect_runner(uow_factory, payments)
    fake_stripe.hang("/v1/checkout/sessions")
    placed: list[str] = []
    try:
        placing = in_thread(lambda: placed.extend(buyer.send("Place order")))
        wait_until(
            lambda: fake_stripe.hanging == 1 or not placing.is_alive(), 30, "the order placed"
        )
        running = in_thread(runner.run_due)  # the session request, once the order committed
        wait_until(lambda: fake_stripe.hanging == 1, 30, "the session request at Stripe")
        answers: list[list[str]] = []
        chatting = in_thread(lambda: answers.extend(other.send("Hi") for other in others))
        # Not a speed check (bench/isolation.py measures that): the others must be answered
        # while Stripe still holds the request, not after.
        chatting.join(timeout=60)
        answered_while_stripe_hung = not chatting.is_alive()
    finally:
        fake_stripe.release()
    for thread in (placing, running, chatting):
        thread.join(timeout=60)
    assert answered_while_stripe_hung
    assert len(answers) == len(others)
    assert all(answer for answer in answers)
    assert all(result.handled_now for chat in (buyer, *others) for result in chat.results)
    code = only_order(uow_factory).code
    assert placed == [PLACED.format(code=code), PREPARING]
    # Stripe answered once released: one session, and her link sent to her chat.
    assert len(fake_stripe.sessions) == 1
    assert texts_to(uow_factory, "buyer")[-1] == f"Your payment link for order {code} is ready."
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_session_stripe_answers_5xx_is_asked_again_later_under_the_same_key(
    chat_engine: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
) -> None:
    buyer = at_the_summary(chat_engine, uow_factory)
    fake_stripe.fail_next("/v1/checkout/sessions", 503)
    assert buyer.send("Place order")[1] == PREPARING
    assert run_effects(uow_factory, payments) == 1
    assert fake_stripe.sessions == {}
    assert run_effects(uow_factory, payments) == 0  # not due yet: backoff
    later = utcnow() + timedelta(seconds=10)  # past the first backoff (2 s)
    assert run_effects(uow_factory, payments, lambda: later) == 1
    [session] = fake_stripe.sessions.values()
    keys = {key for method, path, _, key in fake_stripe.requests if method == "POST"}
    code = only_order(uow_factory).code
    assert keys == {f"checkout-{code}"}
    # Asking again shows the link now made (no second session).
    answer = buyer.send("Hi")
    assert answer[0] == f"Order {code} is waiting for your payment."
    assert session["url"] in answer[1]
    assert len(fake_stripe.sessions) == 1


def test_a_session_stripe_refuses_tells_the_buyer_and_viewing_the_order_asks_again(
    chat_engine: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
) -> None:
    buyer = at_the_summary(chat_engine, uow_factory)
    fake_stripe.fail_next("/v1/checkout/sessions", 400)
    buyer.send("Place order")
    assert run_effects(uow_factory, payments) == 1
    code = only_order(uow_factory).code
    assert texts_to(uow_factory, "buyer")[-1] == (
        f"Sorry, I could not prepare the payment link for order {code}. Please open My orders "
        "and choose the order to try again."
    )
    assert buyer.send("Hi")[1] == PREPARING  # a new request
    assert run_effects(uow_factory, payments) == 1
    assert len(fake_stripe.sessions) == 1
    assert texts_to(uow_factory, "buyer")[-1] == f"Your payment link for order {code} is ready."


@contextlib.contextmanager
def first_commit_marking_a_refund_sent_fails() -> Iterator[list[str]]:
    """The commit that records a refund Stripe made fails, once (the disk, the lock)."""
    failed: list[str] = []

    def after_flush(session: Session, _: object) -> None:
        for row in (*session.new, *session.dirty):
            sent = isinstance(row, PaymentEvent) and row.event_type == REFUND_REQUEST
            if sent and row.processed_at is not None:
                session.info["refund_marked_sent"] = row.event_id

    def before_commit(session: Session) -> None:
        marked = session.info.pop("refund_marked_sent", None)
        if marked is not None and not failed:
            failed.append(marked)
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(Session, "after_flush", after_flush)
    event.listen(Session, "before_commit", before_commit)
    try:
        yield failed
    finally:
        event.remove(Session, "before_commit", before_commit)
        event.remove(Session, "after_flush", after_flush)


@pytest.fixture
def db(sqlite_engine: SqlEngine) -> UnitOfWorkFactory:
    """A shop whose community manager is ADMIN_PHONES' (she runs `soko admin refund`)."""
    factory = UnitOfWorkFactory(sqlite_engine)
    with factory() as uow:
        make_user(uow.session, "Grace", phone=ADMIN_PHONE, roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
    return factory


@pytest.mark.usefixtures("cli_env")
def test_a_commit_failing_after_stripe_refunded_loses_nothing(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utcnow())
    assert deliver(webhook_client(db, payments, utcnow), fake_stripe.pay(session_id)) == 200
    with first_commit_marking_a_refund_sent_fails() as failed:
        with contextlib.suppress(OperationalError):
            main(["admin", "refund", sale.code, "--reason", "broken clasp"])
        assert len(failed) == 1  # Stripe refunded; writing that down failed
        assert len(fake_stripe.refunds) == 1
        main(["admin", "reconcile"])  # what the scheduler's runner does meanwhile
    [refund] = fake_stripe.refunds.values()
    assert len(fake_stripe.refunds) == 1  # asked again under the same key: the same refund
    with db(read_only=True) as uow:
        request = uow.session.scalars(
            select(PaymentEvent).where(PaymentEvent.event_type == REFUND_REQUEST)
        ).one()
        assert request.payload["refund_id"] == refund["id"]
        reversals = uow.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.REFUND)
        )
        assert reversals == 2  # the line's and the shipping fee's, once each
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        assert order.status.value == "refunded"
        told = uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.user_id == sale.buyer_id,
                OutboxMessage.dedupe_key == f"{request.event_id}:sent",
            )
        )
        assert told == 1


@pytest.mark.usefixtures("cli_env")
def test_a_refund_stripe_refuses_for_good_is_said_and_left_for_a_person(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, session_id = place_and_checkout(db, payments, utcnow())
    assert deliver(webhook_client(db, payments, utcnow), fake_stripe.pay(session_id)) == 200
    fake_stripe.fail_next("/v1/refunds", 400)
    assert main(["admin", "refund", sale.code]) == 1
    said = capsys.readouterr().out
    assert f"error: Stripe refused a refund of order {sale.code}" in said
    assert "a person must look" in said
    assert fake_stripe.refunds == {}
    assert main(["admin", "reconcile"]) == 0  # a refusal is not asked again
    assert fake_stripe.refunds == {}
