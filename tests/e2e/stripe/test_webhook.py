"""POST /webhooks/stripe: signed deliveries from the fake Stripe, through the real library.

Forged or stale deliveries write nothing; a verified event is recorded once and applied
once, whatever the order, the delay or the number of copies.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette

from handlers.stripe.webhook import stripe_webhook_routes
from payments.stripe_checkout import StripePayments
from store.models import (
    LedgerTransaction,
    Order,
    OutboxMessage,
    PaymentEvent,
    Product,
    TransactionKind,
)
from store.services import ledger, orders
from store.uow import UnitOfWorkFactory
from tests.e2e.stripe.stripe_support import (
    count_events,
    deliver,
    order_status,
    place_and_checkout,
    utc_now,
    webhook_client,
)
from tests.fakes.serving import serve_app
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe, signed


@pytest.fixture
def db(sqlite_engine: Engine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(sqlite_engine)


def _transactions(uow_factory: UnitOfWorkFactory, kind: TransactionKind) -> int:
    with uow_factory(read_only=True) as uow:
        found = uow.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == kind)
        )
        return int(found or 0)


def _outbox_texts(uow_factory: UnitOfWorkFactory, user_id: int) -> list[str]:
    with uow_factory(read_only=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(OutboxMessage.id)
        )
        return [row.payload.get("text", "") for row in rows]


@pytest.mark.parametrize(
    "forgery",
    ["unsigned", "wrong secret", "stale", "tampered body", "signed garbage"],
)
def test_forged_or_stale_deliveries_get_400_and_write_nothing(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe, forgery: str
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    event = fake_stripe.pay(session_id)
    body, headers = signed(event)
    match forgery:
        case "unsigned":
            headers.pop("Stripe-Signature")
        case "wrong secret":
            body, headers = signed(event, secret="whsec_someone_else")
        case "stale":
            body, headers = signed(event, timestamp=int(time.time()) - 301)
        case "tampered body":
            body = body.replace(b'"paid"', b'"PAID"')
        case "signed garbage":
            body = b"not json"
            headers["Stripe-Signature"] = signed_header(body)
    before = count_events(db)
    client = webhook_client(db, payments, utc_now)
    response = client.post("/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 400
    assert count_events(db) == before
    assert order_status(db, sale.order_id) == "pending_payment"


def signed_header(body: bytes) -> str:
    import stripe

    return str(stripe.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET))


def test_a_paid_session_pays_the_order_once_and_tells_artisan_and_buyer(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now(), quantity=2, stock=2)
    event = fake_stripe.pay(session_id)
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, event) == 200
    assert deliver(client, event) == 200  # Stripe retries: nothing more happens
    assert order_status(db, sale.order_id) == "paid"
    assert _transactions(db, TransactionKind.SALE) == 1
    with db(read_only=True) as uow:
        product = uow.session.get(Product, sale.product_id)
        assert product is not None
        assert (product.stock_on_hand, product.stock_reserved) == (0, 0)
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        assert order.payment_ref == fake_stripe.sessions[session_id]["payment_intent"]
        artisan_owed = ledger.pending_balance(uow.session, sale.artisan_id)  # until it arrives
        assert artisan_owed.amount == 2 * 250_000
        row = uow.session.scalar(select(PaymentEvent).where(PaymentEvent.event_id == event["id"]))
        assert row is not None
        assert row.processed_at is not None
    assert _outbox_texts(db, sale.buyer_id) == [
        f"Your payment link for order {sale.code} is ready.",
        f"Payment received for {sale.code}. Thank you!",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_ten_copies_in_parallel_have_one_effect(
    backend: str,
    request: pytest.FixtureRequest,
    payments: StripePayments,
    fake_stripe: FakeStripe,
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    uow_factory = UnitOfWorkFactory(engine)
    sale, session_id = place_and_checkout(uow_factory, payments, utc_now())
    event = fake_stripe.pay(session_id)
    body, headers = signed(event)
    app = Starlette(routes=stripe_webhook_routes(uow_factory, payments, WEBHOOK_SECRET, utc_now))
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=30) as http:

        def post(_: int) -> int:
            return http.post("/webhooks/stripe", content=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(post, range(10)))
        deadline = time.monotonic() + 10
        while order_status(uow_factory, sale.order_id) != "paid" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert statuses == [200] * 10
    assert order_status(uow_factory, sale.order_id) == "paid"
    assert _transactions(uow_factory, TransactionKind.SALE) == 1
    with uow_factory(read_only=True) as uow:
        copies = uow.session.scalar(
            select(func.count())
            .select_from(PaymentEvent)
            .where(PaymentEvent.event_id == event["id"])
        )
        assert copies == 1
    assert len(_outbox_texts(uow_factory, sale.buyer_id)) == 2  # her link, then "received"


def test_expired_after_completed_leaves_the_order_paid(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    completed = fake_stripe.pay(session_id)
    expired = dict(completed, id="evt_late_expiry", type="checkout.session.expired")
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, completed) == 200
    assert deliver(client, expired) == 200
    assert order_status(db, sale.order_id) == "paid"
    with db(read_only=True) as uow:
        product = uow.session.get(Product, sale.product_id)
        assert product is not None
        assert (product.stock_on_hand, product.stock_reserved) == (0, 0)


def test_an_expired_session_releases_the_pieces(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    payments.client.v1.checkout.sessions.expire(session_id)
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, fake_stripe.last_event("checkout.session.expired")) == 200
    assert order_status(db, sale.order_id) == "expired"
    with db(read_only=True) as uow:
        product = uow.session.get(Product, sale.product_id)
        assert product is not None
        assert (product.stock_on_hand, product.stock_reserved) == (1, 0)
        told = uow.session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.user_id == sale.buyer_id)
        ).all()
    assert [p["text"] for p in told if "was not paid in time" in p["text"]] != []


def test_completed_after_expired_takes_the_pieces_again_when_they_are_there(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    completed = fake_stripe.pay(session_id)
    expired = dict(completed, id="evt_early_expiry", type="checkout.session.expired")
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, expired) == 200
    assert order_status(db, sale.order_id) == "expired"
    assert deliver(client, completed) == 200
    assert order_status(db, sale.order_id) == "paid"
    assert _transactions(db, TransactionKind.SALE) == 1


def test_completed_after_expired_and_sold_refunds_through_stripe_and_tells_the_buyer(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    completed = fake_stripe.pay(session_id)
    expired = dict(completed, id="evt_early_expiry", type="checkout.session.expired")
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, expired) == 200
    _sell_elsewhere(db, sale.product_id)
    assert deliver(client, completed) == 200
    assert order_status(db, sale.order_id) == "expired"
    assert _transactions(db, TransactionKind.SALE) == 0
    intent = fake_stripe.sessions[session_id]["payment_intent"]
    [refund] = fake_stripe.refunds.values()
    assert refund["payment_intent"] == intent
    assert refund["amount"] == fake_stripe.sessions[session_id]["amount_total"]
    texts = _outbox_texts(db, sale.buyer_id)
    assert any(f"order {sale.code} could not take your payment" in text for text in texts)
    assert any(text.startswith("We have refunded") for text in texts)
    # Stripe tells us about the refund we made: nothing changes, and a redelivery of the
    # payment neither pays nor refunds again.
    assert deliver(client, fake_stripe.last_event("charge.refunded")) == 200
    assert deliver(client, dict(completed, id="evt_again")) == 200
    assert len(fake_stripe.refunds) == 1
    assert order_status(db, sale.order_id) == "expired"


def _sell_elsewhere(db: UnitOfWorkFactory, product_id: int) -> None:
    with db() as uow:
        product = uow.session.get(Product, product_id)
        assert product is not None
        product.stock_on_hand = 0
        uow.commit()


def test_a_payment_delivered_three_days_late_still_pays_if_the_piece_is_there(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    then = utc_now() - timedelta(days=3)
    fake_stripe.clock = lambda: then.timestamp()
    sale, session_id = place_and_checkout(db, payments, then)
    event = fake_stripe.pay(session_id)
    with db() as uow:  # the expiry job ran in the meantime
        assert [o.id for o in orders.expire_due_orders(uow.session, utc_now())] == [sale.order_id]
        uow.commit()
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, event) == 200  # signed at delivery, as Stripe does
    assert order_status(db, sale.order_id) == "paid"


def test_an_amount_that_is_not_the_order_total_is_refunded_not_accepted(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    event = fake_stripe.pay(session_id)
    event = json.loads(json.dumps(event))
    fake_stripe.charges[next(iter(fake_stripe.charges))]["amount"] = 1
    event["data"]["object"]["amount_total"] = 1
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, event) == 200
    assert order_status(db, sale.order_id) == "pending_payment"
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == 1


def test_a_dashboard_refund_is_spread_over_the_lines_once(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now(), pieces=2)
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, fake_stripe.pay(session_id)) == 200
    intent = fake_stripe.sessions[session_id]["payment_intent"]
    total = fake_stripe.sessions[session_id]["amount_total"]
    event = fake_stripe.refund_in_dashboard(intent, total // 2)
    assert deliver(client, event) == 200
    assert deliver(client, dict(event, id="evt_copy")) == 200  # another event, same refund
    with db(read_only=True) as uow:
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        refunded = [ledger.refunded_on_line(uow.session, line).amount for line in order.lines]
        assert sum(refunded) == total // 2
        assert all(amount > 0 for amount in refunded)
        assert ledger.unbalanced_transaction_ids(uow.session) == []
    # The rest, later: the order is refunded in full.
    assert deliver(client, fake_stripe.refund_in_dashboard(intent, total - total // 2)) == 200
    assert order_status(db, sale.order_id) == "refunded"


def test_stripe_secrets_never_reach_the_logs(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, the stripe library's and httpx's included
    sale, session_id = place_and_checkout(db, payments, utc_now())
    payments.client.v1.checkout.sessions.expire(session_id)
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, fake_stripe.last_event("checkout.session.expired")) == 200
    assert deliver(client, {"id": "evt_x", "type": "x"}, secret="whsec_wrong") == 400
    assert order_status(db, sale.order_id) == "expired"
    assert caplog.records  # something was logged, and none of it holds a secret
    assert API_KEY not in caplog.text
    assert WEBHOOK_SECRET not in caplog.text
    assert "whsec_wrong" not in caplog.text
