"""Property: whatever sales, refunds and payouts happen, the books balance.

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

from store.models import LedgerEntry, OrderLine, Role
from store.money import Money
from store.services import ledger
from store.services.ledger import mentor_account, provider_account
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
)
refund = st.tuples(
    st.just("refund"),
    st.integers(0, 1_000),  # which line (modulo the lines sold so far)
    st.integers(1, 100),  # percent of what remains refundable
)
payout = st.tuples(st.just("payout"), st.integers(0, 2), st.integers(1, 100))
operations = st.lists(st.one_of(sale, refund, payout), min_size=1, max_size=12)


@dataclass
class SoldLine:
    line: OrderLine
    refunded: int = 0

    def share_left(self) -> int:
        return self.line.artisan_share_minor - _half_up(
            Fraction(self.line.artisan_share_minor * self.refunded, self.line.line_total_minor)
        )

    def commission_left(self) -> int:
        commission = self.line.mentor_commission_minor
        return commission - _half_up(
            Fraction(commission * self.refunded, self.line.line_total_minor)
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
    charged: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)

    for n, op in enumerate(ops):
        if op[0] == "sale":
            _, specs, share, commission, currency, shipping = op
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
            )
            ledger.record_sale(s, order)
            charged[currency] += order.total_minor
            sold += [SoldLine(line) for line in order.lines]
        elif op[0] == "refund" and sold:
            _, which, percent = op
            target = sold[which % len(sold)]
            remaining = target.line.line_total_minor - target.refunded
            if remaining == 0:
                continue
            amount = max(1, remaining * percent // 100)
            ledger.record_refund(s, target.line, Money(amount, target.line.order.currency), f"r{n}")
            target.refunded += amount
            refunded[target.line.order.currency] += amount
        elif op[0] == "payout":
            _, who, percent = op
            artisan_id = artisans[who].id
            available = ledger.artisan_balance(s, artisan_id).amount
            amount = available * percent // 100
            if amount <= 0:
                continue
            ledger.record_payout(s, artisan_id, Money(amount, "KES"), f"P{n}", manager.id, NOW)
            paid_out[artisan_id] += amount

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
        expected = sum(x.share_left() for x in sold if x.line.artisan_id == artisan.id)
        assert ledger.artisan_balance(s, artisan.id).amount == expected - paid_out[artisan.id]
    commissions = sum(x.commission_left() for x in sold)
    assert ledger.balance(s, mentor_account(mentor.id), "KES").amount == commissions
    for currency in RATES:
        provider = ledger.balance(s, provider_account("stripe"), currency).amount
        assert provider == refunded[currency] - charged[currency]
    for x in sold:
        if x.refunded == x.line.line_total_minor:
            assert (x.share_left(), x.commission_left()) == (0, 0)
