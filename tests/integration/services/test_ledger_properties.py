"""Property: whatever sales, deliveries, refunds and payouts happen, the books balance.

Sales are paid by card (Stripe, in KES or USD) or by M-Pesa (KES); payouts are recorded by
hand or sent by M-Pesa B2C runs whose results come as paid, failed, or not yet (in flight).
Shares wait in pending accounts until their line is released (delivered, or passed at the
hub). An order's shipping fee goes to `platform:shipping`; a full refund of the order gives
the fee back once, however often it is asked. Every transaction balances; the shipping
account holds the fees less those given back; each artisan's pending balance is what refunds
left of her unreleased shares; her payable balance is what they left of her released shares,
less the payouts M-Pesa paid or a manager recorded; nothing pending is ever paid out; money
in flight is never sent twice.

Runs on SQLite only (for speed). Each example works in its own unit of work, which is rolled
back at the end, so examples never see each other's rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from payments.mpesa import payouts
from payments.mpesa.models import DarajaResult
from store.models import LedgerEntry, MpesaPayout, MpesaPayoutStatus, Order, OrderLine, Role
from store.money import Money
from store.services import ledger
from store.services.ledger import PLATFORM_SHIPPING, mentor_account, provider_account
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 1, tzinfo=UTC)
RATES = {"KES": Fraction(1), "USD": Fraction(1, 130)}

line_spec = st.tuples(
    st.integers(0, 2),  # which artisan
    st.integers(1, 1_000_000),  # her price, KES cents
    st.integers(1, 3),  # quantity
)
sale = st.tuples(
    st.just("sale"),
    st.lists(line_spec, min_size=1, max_size=3),
    st.integers(0, 95),  # share, percent of her price
    st.integers(0, 5),  # mentor commission, percent
    st.sampled_from(sorted(RATES)),
    st.integers(0, 100_000),  # shipping
    st.booleans(),  # paid by M-Pesa (when in KES)
)
refund = st.tuples(
    st.just("refund"),
    st.integers(0, 1_000),  # which line (modulo the lines sold so far)
    st.integers(1, 100),  # percent of what remains refundable
)
payout = st.tuples(st.just("payout"), st.integers(0, 2), st.integers(1, 100))
b2c_run = st.tuples(st.just("b2c"), st.integers(0, 2))  # an M-Pesa run for one artisan
b2c_result = st.tuples(
    st.just("result"),
    st.integers(0, 1_000),  # which request (modulo those in flight)
    st.sampled_from([0, 2040, 26]),  # paid, wrong number (failed), busy (asked again)
)
release = st.tuples(st.just("release"), st.integers(0, 1_000))  # which line is delivered
full_refund = st.tuples(st.just("full_refund"), st.integers(0, 1_000))  # which order
operations = st.lists(
    st.one_of(sale, release, refund, full_refund, payout, b2c_run, b2c_result),
    min_size=1,
    max_size=14,
)


@dataclass
class SoldLine:
    line: OrderLine
    refunded: int = 0
    released: bool = False

    def share_left(self) -> int:
        return self.line.artisan_share_minor - _half_up(
            Fraction(self.line.artisan_share_minor * self.refunded, self.line.line_total_minor)
        )

    def commission_left(self) -> int:
        commission = self.line.mentor_commission_minor
        return commission - _half_up(
            Fraction(commission * self.refunded, self.line.line_total_minor)
        )


def _b2c_run(s: Session, slug: str) -> list[str]:
    outcomes = payouts.send_payouts(s, currency="KES", minimum_minor=0, now=NOW, slugs=[slug])
    return [o.originator_id for o in outcomes if isinstance(o, payouts.Queued)]


def _result(request: MpesaPayout, code: int, n: int) -> DarajaResult:
    receipt = f"SFP{request.id:04d}X{n:03d}" if code == 0 else ""
    parameters = {"TransactionReceipt": receipt} if receipt else {}
    return DarajaResult(
        result_code=code,
        result_desc="fake",
        originator_conversation_id=request.originator_id,
        conversation_id=f"AG_{request.id}",
        transaction_id=receipt,
        parameters=parameters,
    )


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_books_balance_after_any_sequence(sqlite_engine: Engine, ops: list[Any]) -> None:
    with UnitOfWorkFactory(sqlite_engine)() as uow:  # never committed: rolled back on exit
        _run(uow.session, ops)


def _run(s: Session, ops: list[Any]) -> None:
    mentor = make_artisan(s)
    artisans = [make_artisan(s, mentor=mentor), make_artisan(s, mentor=mentor), make_artisan(s)]
    buyer = make_user(s)
    manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
    sold: list[SoldLine] = []
    paid_out: dict[int, int] = defaultdict(int)
    charged: dict[tuple[str, str], int] = defaultdict(int)  # by provider and currency
    refunded: dict[tuple[str, str], int] = defaultdict(int)
    in_flight: list[str] = []  # B2C requests with no result yet
    orders: list[Order] = []
    shipping_fees: dict[str, int] = defaultdict(int)  # by currency
    shipping_given_back: dict[str, int] = defaultdict(int)
    fee_refunded: set[int] = set()  # orders whose shipping fee went back

    for n, op in enumerate(ops):
        if op[0] == "sale":
            _, specs, share, commission, currency, shipping, by_mpesa = op
            provider = "mpesa" if by_mpesa and currency == "KES" else "stripe"
            items = [
                (make_product(s, artisans[who], price_minor=price, stock=qty), qty)
                for who, price, qty in specs
            ]
            order = make_paid_order(
                s,
                buyer,
                items,
                currency=currency,
                rate=RATES[currency],
                share=Fraction(share, 100),
                commission=Fraction(commission, 100),
                shipping_minor=shipping,
                provider=provider,
            )
            ledger.record_sale(s, order)
            charged[(provider, currency)] += order.total_minor
            shipping_fees[currency] += order.shipping_minor
            orders.append(order)
            sold += [SoldLine(line) for line in order.lines]
        elif op[0] == "release" and sold:
            target = sold[op[1] % len(sold)]
            ledger.release_line(s, target.line)
            ledger.release_line(s, target.line)  # delivered twice: released once
            target.released = True
        elif op[0] == "refund" and sold:
            _, which, percent = op
            target = sold[which % len(sold)]
            remaining = target.line.line_total_minor - target.refunded
            if remaining == 0:
                continue
            amount = max(1, remaining * percent // 100)
            ledger.record_refund(s, target.line, Money(amount, target.line.order.currency), f"r{n}")
            target.refunded += amount
            order = target.line.order
            refunded[(order.payment_provider, order.currency)] += amount
        elif op[0] == "full_refund" and orders:
            order = orders[op[1] % len(orders)]
            for target in sold:
                remaining = target.line.line_total_minor - target.refunded
                if target.line.order_id != order.id or remaining == 0:
                    continue
                ledger.record_refund(s, target.line, Money(remaining, order.currency), f"f{n}")
                target.refunded += remaining
                refunded[(order.payment_provider, order.currency)] += remaining
            fee = ledger.record_shipping_refund(s, order, f"full{n}").amount
            expected = 0 if order.id in fee_refunded else order.shipping_minor
            assert fee == expected
            # A retry under the same key answers the same; another refund gets nothing.
            assert ledger.record_shipping_refund(s, order, f"full{n}").amount == fee
            assert ledger.record_shipping_refund(s, order, f"again{n}").amount == 0
            fee_refunded.add(order.id)
            refunded[(order.payment_provider, order.currency)] += fee
            shipping_given_back[order.currency] += fee
        elif op[0] == "payout":
            _, who, percent = op
            artisan_id = artisans[who].id
            available = ledger.available_balance(s, artisan_id).amount
            pending = ledger.pending_balance(s, artisan_id).amount
            if pending > 0:  # what waits for delivery is never paid out
                try:
                    ledger.record_payout(
                        s, artisan_id, Money(max(available, 0) + pending, "KES"), f"X{n}",
                        manager.id, NOW,
                    )  # fmt: skip
                except ledger.InsufficientBalance:
                    pass
                else:
                    raise AssertionError("a payout spent pending money")
            amount = available * percent // 100
            if amount <= 0:
                continue
            ledger.record_payout(s, artisan_id, Money(amount, "KES"), f"P{n}", manager.id, NOW)
            paid_out[artisan_id] += amount
        elif op[0] == "b2c":
            artisan = artisans[op[1]]
            queued = _b2c_run(s, artisan.slug)
            in_flight += queued
            if queued:  # all she was owed, in whole shillings, is on its way: no more
                assert ledger.in_flight(s, artisan.id) <= ledger.payable_balance(s, artisan.id)
            assert ledger.available_balance(s, artisan.id).amount < 100
            assert _b2c_run(s, artisan.slug) == []  # the same run again sends nothing
        elif op[0] == "result" and in_flight:
            _, which, code = op
            originator = in_flight[which % len(in_flight)]
            request = payouts.by_originator(s, originator)
            assert request is not None
            recorded = payouts.record_result(s, _result(request, code, n), NOW)
            if recorded != payouts.Recorded.AGAIN:
                in_flight.remove(originator)
            if recorded == payouts.Recorded.PAID:
                paid_out[request.artisan_id] += request.amount_minor
            # Delivered again: nothing more happens.
            again = payouts.record_result(s, _result(request, code, n), NOW)
            assert again in (payouts.Recorded.DUPLICATE, payouts.Recorded.AGAIN)

    assert ledger.unbalanced_transaction_ids(s) == []
    global_sums = dict(
        s.execute(
            select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor)).group_by(
                LedgerEntry.currency
            )
        ).all()
    )
    assert all(total == 0 for total in global_sums.values()), global_sums
    for artisan in artisans:
        hers = [x for x in sold if x.line.artisan_id == artisan.id]
        released = sum(x.share_left() for x in hers if x.released)
        assert ledger.payable_balance(s, artisan.id).amount == released - paid_out[artisan.id]
        pending = sum(x.share_left() for x in hers if not x.released)
        assert ledger.pending_balance(s, artisan.id).amount == pending
        # Not a mentor: a payout never draws on commissions she does not have.
        assert ledger.balance(s, mentor_account(artisan.id), "KES").amount == 0
        paid_requests = s.scalars(
            select(MpesaPayout).where(
                MpesaPayout.artisan_id == artisan.id,
                MpesaPayout.status == MpesaPayoutStatus.PAID,
            )
        ).all()
        assert all(r.payout_id is not None and r.receipt for r in paid_requests)
    commissions = sum(x.commission_left() for x in sold if x.released)
    assert ledger.balance(s, mentor_account(mentor.id), "KES").amount == commissions
    waiting = sum(x.commission_left() for x in sold if not x.released)
    assert ledger.pending_balance(s, mentor.id).amount == waiting
    for currency in RATES:
        fees = ledger.balance(s, PLATFORM_SHIPPING, currency).amount
        assert fees == shipping_fees[currency] - shipping_given_back[currency]
    for provider in ("stripe", "mpesa"):
        for currency in RATES:
            account = ledger.balance(s, provider_account(provider), currency).amount
            key = (provider, currency)
            assert account == refunded[key] - charged[key]
    for x in sold:
        if x.refunded == x.line.line_total_minor:
            assert (x.share_left(), x.commission_left()) == (0, 0)
