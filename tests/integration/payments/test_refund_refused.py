"""A refund the provider will not make, on both databases: community managers are told in
their language which order, how much and how to try again (once per alert window), and the
retry asks again under a new key, for the same money, without a second ledger reversal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import stripe
from sqlalchemy import func, select

from bot.alerts import send_held_alerts
from payments import refunds
from payments.stripe_checkout import StripePayments
from payments.stripe_effects import REFUND_ATTEMPTS, stripe_effect_kinds
from store.effect_runner import EffectRunner
from store.models import LedgerTransaction, Order, OutboxMessage, Role, TransactionKind, User
from store.services import ledger
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALERT = (
    "Soko alert: the refund of {amount} for order {code} did not go through: {reason}. "
    "No money went back to the buyer yet. To try again, the operator runs: "
    "soko admin refund {code} --retry"
)
ALERT_SW = (
    "Tahadhari ya Soko: kurudisha {amount} za oda {code} hakukufanikiwa: {reason}. "
    "Mnunuzi bado hajarudishiwa pesa. Ili kujaribu tena, msimamizi wa mfumo atumie amri: "
    "soko admin refund {code} --retry"
)


class Stripe:
    """The refunds side of StripePayments: refuses, does not answer, or refunds."""

    def __init__(self) -> None:
        self.answer = "refuse"
        self.refunds: dict[str, tuple[str, int]] = {}  # idempotency key → (charge, amount)

    def refund(
        self, payment_ref: str, amount_minor: int, idempotency_key: str, metadata: Mapping[str, str]
    ) -> str:
        if self.answer == "refuse":
            raise stripe.InvalidRequestError("Charge ch_1 has been disputed (sk_live_x)", None)
        if self.answer == "silent":
            raise stripe.APIConnectionError("timed out")
        self.refunds[idempotency_key] = (payment_ref, amount_minor)
        return f"re_{len(self.refunds)}"


class Shop:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory
        self.stripe = Stripe()
        self.now = NOW
        with uow_factory() as uow:
            self.grace = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
            self.juma = make_user(
                uow.session, "Juma", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
            ).id
            self.buyer = make_user(uow.session, "Anna").id
            uow.commit()

    def runner(self) -> EffectRunner:
        kinds = stripe_effect_kinds(
            cast(StripePayments, self.stripe),
            link_ready=lambda *_: None,
            link_failed=lambda *_: None,
            clock=lambda: self.now,
        )
        return EffectRunner(self.uow_factory, kinds, lambda: self.now)

    def paid_order(self) -> str:
        with self.uow_factory() as uow:
            artisan = make_artisan(uow.session, "Wanjiru Kamau")
            product = make_product(uow.session, artisan, title="Maasai collar", stock=1)
            buyer = uow.session.get(User, self.buyer)
            assert buyer is not None
            order = make_paid_order(uow.session, buyer, [(product, 1)])
            ledger.record_sale(uow.session, order)
            code = order.code
            uow.commit()
        return code

    def refund(self, code: str) -> refunds.Requested:
        with self.uow_factory() as uow:
            requested = refunds.refund_order(
                uow.session, self.order(uow.session, code), "x", self.now
            )
            uow.commit()
        self.runner().run_due()
        return requested

    def retry(self, code: str) -> list[refunds.Requested]:
        with self.uow_factory() as uow:
            asked = refunds.retry_refused(uow.session, self.order(uow.session, code), self.now)
            uow.commit()
        return asked

    @staticmethod
    def order(session: Any, code: str) -> Order:
        return cast(Order, session.scalars(select(Order).where(Order.code == code)).one())

    def texts(self, user_id: int) -> list[str]:
        with self.uow_factory(read_only=True) as uow:
            rows = uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.user_id == user_id)
                .order_by(OutboxMessage.id)
            )
            return [row.payload.get("text", "") for row in rows]

    def reversals(self) -> int:
        with self.uow_factory(read_only=True) as uow:
            return int(
                uow.session.scalar(
                    select(func.count())
                    .select_from(LedgerTransaction)
                    .where(LedgerTransaction.kind == TransactionKind.REFUND)
                )
                or 0
            )


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory) -> Shop:
    return Shop(uow_factory)


def test_managers_are_told_which_order_how_much_and_how_to_retry_once_per_window(
    shop: Shop,
) -> None:
    first = shop.paid_order()
    shop.refund(first)
    amount = "Ksh1,875"  # the factory's price with its markup, as a Kenyan reads it
    refused = ALERT.format(amount=amount, code=first, reason="the payment provider refused it")
    assert shop.texts(shop.grace) == [refused]
    [sw] = shop.texts(shop.juma)
    assert sw == ALERT_SW.format(
        amount="Ksh\xa01,875", code=first, reason="mtoa huduma wa malipo alikataa"
    )
    assert "sk_live" not in refused + sw
    assert "disputed" not in refused + sw

    shop.now += timedelta(minutes=5)  # within the window: held back
    second = shop.paid_order()
    shop.refund(second)
    assert shop.texts(shop.grace) == [refused]

    shop.now += timedelta(minutes=11)  # the window is over: the next one lists all waiting
    third = shop.paid_order()
    shop.refund(third)
    latest = ALERT.format(amount=amount, code=third, reason="the payment provider refused it")
    waiting = (
        "Refunds that did not go through and wait for a person: 3 "
        f"(orders {third}, {first}, {second})."
    )
    assert shop.texts(shop.grace) == [refused, f"{latest}\n{waiting}"]


def test_a_refund_never_answered_says_so(shop: Shop) -> None:
    code = shop.paid_order()
    shop.stripe.answer = "silent"
    shop.refund(code)
    for _ in range(REFUND_ATTEMPTS - 1):
        shop.now += timedelta(minutes=10)  # past each backoff
        assert shop.runner().run_due() == 1
    assert shop.runner().run_due() == 0
    [told] = shop.texts(shop.grace)
    assert "the payment provider did not answer, however often it was asked" in told


def test_a_retry_asks_again_under_a_new_key_once_for_the_same_money(shop: Shop) -> None:
    code = shop.paid_order()
    first = shop.refund(code)
    assert shop.stripe.refunds == {}
    assert shop.reversals() == 1

    shop.stripe.answer = "silent"  # the retry is not answered at first
    [again] = shop.retry(code)
    assert again.request_id != first.request_id
    assert again.amount == first.amount
    shop.runner().run_due()
    with pytest.raises(refunds.RetryRefused, match="still being sent"):
        shop.retry(code)

    shop.stripe.answer = "refund"
    shop.now += timedelta(minutes=10)
    assert shop.runner().run_due() == 1
    assert list(shop.stripe.refunds) == [again.request_id]
    assert shop.stripe.refunds[again.request_id][1] == first.amount.amount
    assert shop.reversals() == 1  # the ledger held the reversal since the first request
    assert shop.texts(shop.buyer)[-1].startswith(f"We have refunded Ksh1,875 for order {code}")
    with shop.uow_factory(read_only=True) as uow:
        assert refunds.outcome(uow.session, again.request_id) is refunds.Outcome.SENT
        assert refunds.refused_requests(uow.session, shop.order(uow.session, code)) == []
    with pytest.raises(refunds.RetryRefused, match="no refused refund"):
        shop.retry(code)


def test_nothing_to_retry_on_an_order_whose_refund_went_through(shop: Shop) -> None:
    code = shop.paid_order()
    shop.stripe.answer = "refund"
    shop.refund(code)
    with pytest.raises(refunds.RetryRefused, match="no refused refund"):
        shop.retry(code)
    assert len(shop.stripe.refunds) == 1


def test_a_refusal_held_back_in_the_window_goes_out_when_it_ends(shop: Shop) -> None:
    first = shop.paid_order()
    shop.refund(first)
    shop.now += timedelta(minutes=5)
    second = shop.paid_order()
    shop.refund(second)  # inside the window: held back
    assert len(shop.texts(shop.grace)) == 1

    def scheduler_pass() -> int:  # the `send_held_alerts` job, every minute
        with shop.uow_factory() as uow:
            sent = send_held_alerts(uow.session, shop.now)
            uow.commit()
        return sent

    shop.now += timedelta(minutes=9)
    assert scheduler_pass() == 0  # the window is not over
    shop.now += timedelta(minutes=2)
    assert scheduler_pass() == 2  # Grace and Juma
    latest = ALERT.format(amount="Ksh1,875", code=second, reason="the payment provider refused it")
    waiting = (
        f"Refunds that did not go through and wait for a person: 2 (orders {second}, {first})."
    )
    assert shop.texts(shop.grace)[-1] == f"{latest}\n{waiting}"
    shop.now += timedelta(minutes=20)
    assert scheduler_pass() == 0  # nothing held back since
