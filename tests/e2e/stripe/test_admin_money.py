"""`soko admin refund|payouts|reconcile` through the real command line, the real stripe
library and the fake Stripe API; plus the refund of a paid order the buyer cancelled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from bot.cli import main
from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.settings import Settings
from payments import refunds
from payments.stripe_checkout import StripePayments
from payments.stripe_events import record_event
from store.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    OutboxMessage,
    Role,
    TransactionKind,
    User,
)
from store.services import ledger, orders
from store.uow import UnitOfWorkFactory
from tests.e2e.stripe.stripe_support import (
    Sale,
    deliver,
    order_status,
    place_and_checkout,
    run_effects,
    utc_now,
    webhook_client,
)
from tests.factories import (
    deliver_order,
    make_artisan,
    make_paid_order,
    make_product,
    make_user,
)
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe

ADMIN_PHONE = "+254700000001"


@pytest.fixture
def db(sqlite_engine: Engine) -> UnitOfWorkFactory:
    factory = UnitOfWorkFactory(sqlite_engine)
    with factory() as uow:
        make_user(
            uow.session,
            "Grace (community manager)",
            phone=ADMIN_PHONE,
            roles=(Role.COMMUNITY_MANAGER,),
        )
        make_user(uow.session, "Not a manager", phone="+254700000002")
        uow.commit()
    return factory


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sqlite_engine: Engine,
    stripe_server: tuple[FakeStripe, str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    settings = {
        "DATABASE_URL": sqlite_engine.url.render_as_string(hide_password=False),
        "STRIPE_SECRET_KEY": API_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE_URL": stripe_server[1],
        "ADMIN_PHONES": ADMIN_PHONE,
        "PUBLIC_BASE_URL": "https://shop.test",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


def _paid(
    db: UnitOfWorkFactory, payments: StripePayments, fake: FakeStripe, **kwargs: object
) -> tuple[Sale, str]:
    sale, session_id = place_and_checkout(db, payments, utc_now(), **kwargs)
    assert deliver(webhook_client(db, payments, utc_now), fake.pay(session_id)) == 200
    return sale, session_id


def _refund_transactions(db: UnitOfWorkFactory) -> int:
    with db(read_only=True) as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(LedgerTransaction)
                .where(LedgerTransaction.kind == TransactionKind.REFUND)
            )
            or 0
        )


def _texts(db: UnitOfWorkFactory, user_id: int) -> list[str]:
    with db(read_only=True) as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id))
        return [row.payload.get("text", "") for row in rows]


@pytest.mark.usefixtures("cli_env")
def test_a_partial_line_refund_then_the_rest_of_the_order(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, session_id = _paid(db, payments, fake_stripe, pieces=2)
    assert main(["admin", "refund", sale.code, "--line", "1", "--amount", "5.00"]) == 0
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == 500
    assert refund["metadata"]["soko_refund"].startswith(f"refund:{sale.code}:line")
    assert "refunded 5.00 USD" in capsys.readouterr().out
    assert _refund_transactions(db) == 1
    # Stripe's charge.refunded for our own refund adds nothing to the ledger.
    client = webhook_client(db, payments, utc_now)
    assert deliver(client, fake_stripe.last_event("charge.refunded")) == 200
    assert _refund_transactions(db) == 1
    assert order_status(db, sale.order_id) == "paid"

    assert main(["admin", "refund", sale.code]) == 0
    total = fake_stripe.sessions[session_id]["amount_total"]
    assert sum(r["amount"] for r in fake_stripe.refunds.values()) == total
    assert order_status(db, sale.order_id) == "refunded"
    with db(read_only=True) as uow:
        assert ledger.artisan_balance(uow.session, sale.artisan_id).amount == 0
        assert ledger.unbalanced_transaction_ids(uow.session) == []
    assert sum("We have refunded" in text for text in _texts(db, sale.buyer_id)) == 2
    # Nothing left to refund: a clear refusal, no third refund.
    assert main(["admin", "refund", sale.code]) == 1
    assert len(fake_stripe.refunds) == 2


@pytest.mark.usefixtures("cli_env")
def test_a_refund_stripe_cannot_take_now_is_sent_when_it_can_once(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, _ = _paid(db, payments, fake_stripe)
    fake_stripe.fail_refunds = True  # Stripe answers 500
    assert main(["admin", "refund", sale.code]) == 0
    assert "Stripe has not taken the refund yet" in capsys.readouterr().out
    assert fake_stripe.refunds == {}
    assert _refund_transactions(db) == 2  # the line and the shipping, with the request
    fake_stripe.fail_refunds = False
    later = utc_now() + timedelta(minutes=10)  # past the retry's backoff
    assert run_effects(db, payments, lambda: later) == 1
    assert run_effects(db, payments, lambda: later) == 0
    assert len(fake_stripe.refunds) == 1
    assert _refund_transactions(db) == 2
    assert sum("We have refunded" in text for text in _texts(db, sale.buyer_id)) == 1


@pytest.mark.usefixtures("cli_env")
def test_only_a_community_manager_refunds(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, _ = _paid(db, payments, fake_stripe)
    assert main(["admin", "refund", sale.code, "--by", "+254700000002"]) == 1
    assert fake_stripe.refunds == {}


@pytest.mark.usefixtures("cli_env")
def test_a_paid_order_the_buyer_cancels_is_refunded_through_stripe_once(
    db: UnitOfWorkFactory, payments: StripePayments, fake_stripe: FakeStripe
) -> None:
    sale, session_id = _paid(db, payments, fake_stripe)
    with db() as uow:  # what the buyer's "cancel order" does in the chat (the sale reversed)
        orders.cancel_order(uow.session, sale.buyer_id, sale.order_id, utc_now())
        uow.commit()
    assert refunds.queue_due_refunds(db, utc_now()) == 1
    assert refunds.queue_due_refunds(db, utc_now()) == 0
    assert run_effects(db, payments) == 1
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == fake_stripe.sessions[session_id]["amount_total"]
    assert _refund_transactions(db) == 2  # the chat's (line, shipping); Stripe's adds none
    assert main(["admin", "reconcile"]) == 0
    assert len(fake_stripe.refunds) == 1
    assert order_status(db, sale.order_id) == "cancelled"


@pytest.mark.usefixtures("cli_env")
def test_payouts_list_record_tell_the_artisan_and_export(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    sale, _ = _paid(db, payments, fake_stripe)
    with db() as uow:  # she sends it and the buyer says it arrived: her share is payable
        deliver_order(uow.session, uow.session.get_one(Order, sale.order_id), utc_now())
        uow.commit()
    with db(read_only=True) as uow:
        artisan = uow.session.scalar(
            select(LedgerEntry.account).where(LedgerEntry.account == f"artisan:{sale.artisan_id}")
        )
        slug, user_id = _artisan_slug_and_user(uow.session, sale.artisan_id)
    assert artisan is not None
    assert main(["admin", "payouts"]) == 0
    listing = capsys.readouterr().out
    assert slug in listing
    assert "2500.00 KES" in listing

    assert main(["admin", "payouts", "--record", slug, "1000", "qk12abc3"]) == 0
    assert "recorded payout" in capsys.readouterr().out
    assert main(["admin", "payouts", "--record", slug, "1000", "QK12ABC3"]) == 0  # a retry
    with db(read_only=True) as uow:
        assert ledger.artisan_balance(uow.session, sale.artisan_id).amount == 150_000
    [told] = [text for text in _texts(db, user_id) if "M-Pesa" in text]
    assert told.startswith("Tumekutumia")  # she reads Swahili
    assert "QK12ABC3" in told

    export = tmp_path / "owed.csv"
    assert main(["admin", "payouts", "--csv", str(export)]) == 0
    rows = export.read_text().splitlines()
    assert rows[0] == "artisan_slug,shop_name,mpesa_phone,amount,currency"
    assert rows[1].startswith(f"{slug},")
    assert rows[1].endswith(",1500.00,KES")
    # More than she is owed is refused.
    assert main(["admin", "payouts", "--record", slug, "5000", "QK12ABC4"]) == 1


def _artisan_slug_and_user(session: object, artisan_id: int) -> tuple[str, int]:
    from sqlalchemy.orm import Session

    from store.models import Artisan

    assert isinstance(session, Session)
    artisan = session.get(Artisan, artisan_id)
    assert artisan is not None
    return artisan.slug, artisan.user_id


@pytest.mark.usefixtures("cli_env")
def test_reconcile_repairs_a_crash_between_recording_and_applying_the_payment(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    event = fake_stripe.pay(session_id)
    with db() as uow:  # the webhook recorded the event, answered 200, and the worker died
        record_event(uow.session, event, utc_now() - timedelta(minutes=5))
        uow.commit()
    assert order_status(db, sale.order_id) == "pending_payment"
    assert main(["admin", "reconcile"]) == 0
    assert order_status(db, sale.order_id) == "paid"
    assert event["id"] in capsys.readouterr().out
    # A late redelivery, and reconcile again: no second sale.
    assert deliver(webhook_client(db, payments, utc_now), event) == 200
    assert main(["admin", "reconcile"]) == 0
    with db(read_only=True) as uow:
        sales = uow.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.SALE)
        )
    assert sales == 1


@pytest.mark.usefixtures("cli_env")
def test_reconcile_completes_a_paid_session_whose_webhook_never_came(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, session_id = place_and_checkout(db, payments, utc_now())
    event = fake_stripe.pay(session_id)  # never delivered
    assert main(["admin", "reconcile"]) == 0
    assert f"orders completed: {sale.code}" in capsys.readouterr().out
    assert order_status(db, sale.order_id) == "paid"
    assert deliver(webhook_client(db, payments, utc_now), event) == 200  # arrives after all
    with db(read_only=True) as uow:
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        assert ledger.pending_balance(uow.session, sale.artisan_id).amount == 250_000


@pytest.mark.usefixtures("cli_env")
def test_reconcile_reports_an_unbalanced_transaction(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    with db() as uow:
        broken = LedgerTransaction(kind=TransactionKind.ADJUSTMENT, idempotency_key="broken")
        broken.entries = [LedgerEntry(account="platform:fees", amount_minor=5, currency="USD")]
        uow.session.add(broken)
        uow.commit()
        broken_id = broken.id
    assert main(["admin", "reconcile"]) == 1
    assert f"unbalanced ledger transactions: {broken_id}" in capsys.readouterr().out


def test_the_scheduler_sends_the_refund_of_a_cancelled_order_once(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    sqlite_engine: Engine,
    stripe_server: tuple[FakeStripe, str],
) -> None:
    sale, _ = _paid(db, payments, fake_stripe)
    with db() as uow:  # the buyer cancels in the chat; nobody runs an admin command
        orders.cancel_order(uow.session, sale.buyer_id, sale.order_id, utc_now())
        uow.commit()
    container = Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=sqlite_engine.url.render_as_string(hide_password=False),
            stripe_secret_key=SecretStr(API_KEY),
            stripe_api_base_url=stripe_server[1],
        )
    )

    try:
        jobs = {job.id: job for job in scheduled_jobs(container, ChannelPasses())}
        jobs["send_stripe_refunds"].run()
        run_effects(db, payments)  # what the effect runner of `soko scheduler` does
        jobs["send_stripe_refunds"].run()  # the next minute: nothing more to send
        run_effects(db, payments)
    finally:
        container.close()
    assert len(fake_stripe.refunds) == 1


def test_the_scheduler_completes_a_paid_session_whose_webhook_never_came_once(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    sqlite_engine: Engine,
    stripe_server: tuple[FakeStripe, str],
) -> None:
    """A shop with STRIPE_SECRET_KEY and no STRIPE_WEBHOOK_SECRET (or a missed webhook):
    nobody runs `soko admin reconcile`, the scheduler's reconcile does."""
    sale, session_id = place_and_checkout(db, payments, utc_now())
    fake_stripe.pay(session_id)  # never delivered
    container = Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=sqlite_engine.url.render_as_string(hide_password=False),
            stripe_secret_key=SecretStr(API_KEY),
            stripe_api_base_url=stripe_server[1],
        )
    )

    try:
        jobs = {job.id: job for job in scheduled_jobs(container, ChannelPasses())}
        jobs["reconcile_stripe"].run()
        jobs["reconcile_stripe"].run()  # ten minutes later: nothing more to do
    finally:
        container.close()
    assert order_status(db, sale.order_id) == "paid"
    with db(read_only=True) as uow:
        sales = uow.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.SALE)
        )
        assert ledger.pending_balance(uow.session, sale.artisan_id).amount == 250_000
    assert sales == 1


@pytest.mark.usefixtures("cli_env")
def test_a_refund_reports_on_its_own_request_and_apart_on_earlier_refused_ones(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, _ = _paid(db, payments, fake_stripe, pieces=2)
    fake_stripe.fail_next("/v1/refunds", 400)
    assert main(["admin", "refund", sale.code, "--line", "1"]) == 1
    assert f"error: Stripe refused a refund of order {sale.code}" in capsys.readouterr().out

    assert main(["admin", "refund", sale.code, "--line", "2"]) == 0
    said = capsys.readouterr().out
    [refund] = fake_stripe.refunds.values()
    assert f"refunded {refund['amount'] / 100:.2f} USD on order {sale.code}" in said
    assert "error" not in said
    assert (
        f"note: earlier refunds of order {sale.code} that Stripe refused still wait for a person"
        in said
    )
    assert f"soko admin refund {sale.code} --retry" in said


@pytest.mark.usefixtures("cli_env")
def test_a_refused_refund_is_asked_again_with_retry(
    db: UnitOfWorkFactory,
    payments: StripePayments,
    fake_stripe: FakeStripe,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sale, session_id = _paid(db, payments, fake_stripe)
    fake_stripe.fail_next("/v1/refunds", 400)
    assert main(["admin", "refund", sale.code]) == 1
    capsys.readouterr()
    with db(read_only=True) as uow:
        grace = uow.session.scalars(select(User.id).where(User.phone == ADMIN_PHONE)).one()
    [alert] = [text for text in _texts(db, grace) if text.startswith("Soko alert")]
    assert f"for order {sale.code} did not go through" in alert
    assert alert.endswith(f"soko admin refund {sale.code} --retry")

    fake_stripe.fail_refunds = True  # Stripe answers 500: the retry waits for it
    assert main(["admin", "refund", sale.code, "--retry"]) == 0
    assert "Stripe has not taken the refund yet" in capsys.readouterr().out
    assert main(["admin", "refund", sale.code, "--retry"]) == 1
    assert f"a refund of order {sale.code} is still being sent" in capsys.readouterr().err

    fake_stripe.fail_refunds = False
    later = utc_now() + timedelta(minutes=10)  # past the retry's backoff
    assert run_effects(db, payments, lambda: later) == 1
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == fake_stripe.sessions[session_id]["amount_total"]
    assert refund["metadata"]["soko_refund"].endswith("-retry1")
    assert _refund_transactions(db) == 2  # the line's reversal and the shipping fee's
    assert sum("We have refunded" in text for text in _texts(db, sale.buyer_id)) == 1
    assert main(["admin", "refund", sale.code, "--retry"]) == 1
    assert "has no refused refund to try again" in capsys.readouterr().err
    assert len(fake_stripe.refunds) == 1


@pytest.mark.usefixtures("cli_env")
def test_a_refund_of_a_telegram_invoice_order_is_owed_then_closed_by_hand(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "soko_test_bot")
    monkeypatch.setenv("TELEGRAM_PAYMENT_PROVIDER_TOKEN", "284685063:TEST:abc")
    with db() as uow:
        artisan = make_artisan(uow.session, "Wanjiru Kamau")
        product = make_product(uow.session, artisan, title="Maasai collar", stock=1)
        buyer = make_user(uow.session, "Anna")
        order = make_paid_order(uow.session, buyer, [(product, 1)], provider="telegram")
        ledger.record_sale(uow.session, order)
        code = order.code
        uow.commit()
        uow.session.expunge_all()
    assert main(["admin", "refund", code, "--line", "1", "--amount", "5.00"]) == 0
    printed = capsys.readouterr().out
    assert f"recorded a refund owed of 5.00 {order.currency} on order {code}" in printed
    assert f"then run: soko admin refund {code} --manual REFERENCE" in printed
    assert _refund_transactions(db) == 0  # no money went back yet

    assert main(["admin", "refund", code, "--manual", "re_broken"]) == 0
    printed = capsys.readouterr().out
    assert f"ledger: the sale reversed (5.00 {order.currency})" in printed
    assert _refund_transactions(db) == 1
    [told] = [text for text in _texts(db, buyer.id) if "sent back" in text]
    assert f"for order {code} (reference re_broken)" in told
