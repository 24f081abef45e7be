"""The ledger: balanced, idempotent, append-only transactions for sales, refunds and payouts."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import CurrencyMismatch, PermissionDenied
from store.models import (
    Artisan,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderStatus,
    Payout,
    Role,
    TransactionKind,
    User,
)
from store.money import Money
from store.services import ledger
from store.services.ledger import (
    FX,
    PAYOUTS_MPESA,
    PLATFORM_FEES,
    PLATFORM_SHIPPING,
    EmptyTransaction,
    Entry,
    InsufficientBalance,
    InvalidReference,
    NonPositiveAmount,
    OrderNotPaid,
    PayoutReferenceConflict,
    RefundTooLarge,
    SaleNotRecorded,
    UnbalancedTransaction,
    artisan_account,
    mentor_account,
    provider_account,
)
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STRIPE = provider_account("stripe")


def kes(amount: int) -> Money:
    return Money(amount, "KES")


def _entry_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def _shop_with_mentor(session: Session) -> tuple[Artisan, Artisan]:
    mentor = make_artisan(session)
    return make_artisan(session, mentor=mentor), mentor


def _sold_order(
    session: Session, *, released: bool = True, **options: object
) -> tuple[Order, Artisan, Artisan]:
    """One line of 2 × KES 1,500 by an artisan with a mentor, sale recorded, and (unless
    `released` is False) its share released as on delivery."""
    artisan, mentor = _shop_with_mentor(session)
    product = make_product(session, artisan, price_minor=150_000, stock=2)
    order = make_paid_order(session, make_user(session), [(product, 2)], **options)  # type: ignore[arg-type]
    ledger.record_sale(session, order)
    if released:
        _release(session, order)
    return order, artisan, mentor


def _release(session: Session, order: Order) -> None:
    for line in order.lines:
        ledger.release_line(session, line)


def _manager(session: Session) -> User:
    return make_user(session, roles=(Role.COMMUNITY_MANAGER,))


# --- posting ------------------------------------------------------------------------------


def test_post_writes_a_balanced_transaction_once(uow_factory: UnitOfWorkFactory) -> None:
    entries = [Entry("a", kes(500)), Entry("b", kes(-300)), Entry("b", kes(-200))]
    with uow_factory() as uow:
        first = ledger.post(uow.session, TransactionKind.ADJUSTMENT, "adj:1", entries, memo="x")
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        again = ledger.post(s, TransactionKind.ADJUSTMENT, "adj:1", [*entries, *entries])
        assert again.id == first.id
        # Same account and currency combined: b appears once.
        assert sorted((e.account, e.amount_minor) for e in again.entries) == [
            ("a", 500),
            ("b", -500),
        ]
        assert _entry_count(s) == 2
        assert ledger.transaction_is_balanced(again)
        assert ledger.unbalanced_transaction_ids(s) == []


def test_post_refuses_unbalanced_and_empty(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        with pytest.raises(UnbalancedTransaction) as raised:
            ledger.post(
                s,
                TransactionKind.ADJUSTMENT,
                "adj:bad",
                [Entry("a", kes(100)), Entry("b", Money(-100, "USD"))],
            )
        assert raised.value.sums == {"KES": 100, "USD": -100}
        with pytest.raises(EmptyTransaction):
            ledger.post(s, TransactionKind.ADJUSTMENT, "adj:zero", [Entry("a", kes(0))])
        assert s.scalar(select(func.count()).select_from(LedgerTransaction)) == 0


def test_post_survives_a_concurrent_post_of_the_same_key(
    uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [Entry("a", kes(100)), Entry("b", kes(-100))]
    with uow_factory() as uow:
        winner = ledger.post(uow.session, TransactionKind.ADJUSTMENT, "adj:race", entries)
        uow.commit()
    # The loser read "no such key" just before the winner committed.
    real_lookup = ledger._transaction_by_key
    calls: list[str] = []

    def stale_then_fresh(session: Session, key: str) -> LedgerTransaction | None:
        calls.append(key)
        return None if len(calls) == 1 else real_lookup(session, key)

    monkeypatch.setattr(ledger, "_transaction_by_key", stale_then_fresh)
    with uow_factory() as uow:
        loser = ledger.post(uow.session, TransactionKind.ADJUSTMENT, "adj:race", entries)
        assert loser.id == winner.id
        assert _entry_count(uow.session) == 2  # the savepoint rolled back only the insert
        uow.commit()
    assert len(calls) == 2


# --- sales --------------------------------------------------------------------------------


def test_sale_pays_artisan_mentor_and_platform(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, mentor = _sold_order(s, released=False, shipping_minor=50_000)
        line = order.lines[0]
        # 2 × 1,500 → share 90% = 2,700; commission 5% = 150; buyer pays 125% = 3,750 + 500.
        assert (line.artisan_share_minor, line.mentor_commission_minor) == (270_000, 15_000)
        assert (line.line_total_minor, order.total_minor) == (375_000, 425_000)
        # Paid for, not delivered: pending, nothing payable yet.
        assert ledger.artisan_balance(s, artisan.id) == kes(0)
        assert ledger.pending_balance(s, artisan.id) == kes(270_000)
        assert ledger.pending_balance(s, mentor.id) == kes(15_000)
        assert ledger.payable_balance(s, mentor.id) == kes(0)
        release = ledger.release_line(s, line)
        assert release is not None
        assert release.kind is TransactionKind.RELEASE
        assert ledger.release_line(s, line) is release  # once per line
        assert ledger.pending_balance(s, artisan.id) == kes(0)
        assert ledger.artisan_balance(s, artisan.id) == kes(270_000)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(15_000)
        assert ledger.balance(s, PLATFORM_FEES, "KES") == kes(375_000 - 285_000)
        assert ledger.balance(s, PLATFORM_SHIPPING, "KES") == kes(50_000)
        assert ledger.balance(s, STRIPE, "KES") == kes(-425_000)
        assert ledger.balance(s, FX, "KES") == kes(0)  # same currency: FX nets out
        sale = ledger.record_sale(s, order)  # idempotent
        assert sale.kind is TransactionKind.SALE
        assert ledger.artisan_balance(s, artisan.id) == kes(270_000)
        assert ledger.unbalanced_transaction_ids(s) == []


def test_sale_in_another_currency_balances_in_each(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, mentor = _sold_order(s, currency="USD", rate=Fraction(1, 130))
        line = order.lines[0]
        sale = ledger.record_sale(s, order)
        assert ledger.transaction_is_balanced(sale)
        by_currency = {e.currency for e in sale.entries}
        assert by_currency == {"USD", "KES"}
        assert ledger.balance(s, FX, "USD") == Money(line.payout_cost_minor, "USD")
        assert ledger.balance(s, FX, "KES") == kes(-285_000)
        assert ledger.balance(s, STRIPE, "USD") == Money(-order.total_minor, "USD")
        fee = line.line_total_minor - line.payout_cost_minor
        assert ledger.balance(s, PLATFORM_FEES, "USD") == Money(fee, "USD")
        assert ledger.artisan_balance(s, artisan.id) == kes(270_000)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(15_000)


def test_unpaid_orders_are_not_sales(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        product = make_product(s, make_artisan(s))
        order = make_paid_order(s, make_user(s), [(product, 1)])
        order.status = OrderStatus.PENDING_PAYMENT
        with pytest.raises(OrderNotPaid):
            ledger.record_sale(s, order)


# --- refunds ------------------------------------------------------------------------------


def test_partial_refunds_then_the_rest_reverse_the_sale_exactly(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, mentor = _sold_order(s, currency="USD", rate=Fraction(1, 130))
        line = order.lines[0]
        total = Money(line.line_total_minor, "USD")
        third = Money(line.line_total_minor // 3, "USD")
        first = ledger.record_refund(s, line, third, "re_1")
        assert ledger.transaction_is_balanced(first)
        assert ledger.refunded_on_line(s, line) == third
        share_after_third = ledger.artisan_balance(s, artisan.id)
        assert kes(0) < share_after_third < kes(270_000)
        # Within one minor unit of two thirds of her share.
        assert abs(share_after_third.amount - 180_000) <= 1
        ledger.record_refund(s, line, Money(7, "USD"), "re_2")
        ledger.record_refund(s, line, total - third - Money(7, "USD"), "re_3")
        assert ledger.refunded_on_line(s, line) == total
        assert ledger.artisan_balance(s, artisan.id) == kes(0)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(0)
        assert ledger.balance(s, FX, "KES") == kes(0)
        assert ledger.balance(s, FX, "USD") == Money(0, "USD")
        assert ledger.balance(s, PLATFORM_FEES, "USD") == Money(0, "USD")
        assert ledger.balance(s, STRIPE, "USD") == Money(0, "USD")
        assert ledger.unbalanced_transaction_ids(s) == []


def test_a_full_refund_gives_the_shipping_back_once(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, mentor = _sold_order(s, shipping_minor=50_000)
        line = order.lines[0]
        ledger.record_refund(s, line, kes(line.line_total_minor), "re_all")
        assert ledger.record_shipping_refund(s, order, "re_all") == kes(50_000)
        assert ledger.record_shipping_refund(s, order, "re_all") == kes(50_000)  # a retry
        assert ledger.record_shipping_refund(s, order, "re_again") == kes(0)  # given back once
        assert ledger.refunded_shipping(s, order) == kes(50_000)
        assert ledger.balance(s, PLATFORM_SHIPPING, "KES") == kes(0)
        assert ledger.balance(s, PLATFORM_FEES, "KES") == kes(0)
        assert ledger.balance(s, STRIPE, "KES") == kes(0)
        assert ledger.artisan_balance(s, artisan.id) == kes(0)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(0)
        assert ledger.unbalanced_transaction_ids(s) == []


def test_an_order_without_shipping_has_none_to_give_back(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        order, _, _ = _sold_order(uow.session)
        assert ledger.record_shipping_refund(uow.session, order, "re_all") == kes(0)


def test_refunds_are_bounded_and_idempotent(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, _ = _sold_order(s)
        line = order.lines[0]
        full = ledger.record_refund(s, line, kes(375_000), "re_full")
        assert ledger.record_refund(s, line, kes(375_000), "re_full").id == full.id
        with pytest.raises(RefundTooLarge) as raised:
            ledger.record_refund(s, line, kes(1), "re_more")
        assert raised.value.refundable == kes(0)
        with pytest.raises(NonPositiveAmount):
            ledger.record_refund(s, line, kes(0), "re_zero")
        with pytest.raises(CurrencyMismatch):
            ledger.record_refund(s, line, Money(100, "USD"), "re_usd")
        assert ledger.artisan_balance(s, artisan.id) == kes(0)


def test_refund_needs_a_recorded_sale(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        product = make_product(s, make_artisan(s))
        order = make_paid_order(s, make_user(s), [(product, 1)])
        with pytest.raises(SaleNotRecorded):
            ledger.record_refund(s, order.lines[0], kes(100), "re_1")


# --- payouts and balances -----------------------------------------------------------------


def test_payout_moves_balance_to_mpesa(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        _, artisan, _ = _sold_order(s)
        manager = _manager(s)
        payout = ledger.record_payout(s, artisan.id, kes(200_000), " qgh7x2k9lm ", manager.id, NOW)
        uow.commit()
    assert (payout.mpesa_reference, payout.amount_minor, payout.created_at) == (
        "QGH7X2K9LM",
        200_000,
        NOW,
    )
    with uow_factory() as uow:
        s = uow.session
        assert ledger.artisan_balance(s, artisan.id) == kes(70_000)
        assert ledger.balance(s, PAYOUTS_MPESA, "KES") == kes(200_000)
        same = ledger.record_payout(s, artisan.id, kes(200_000), "QGH7X2K9LM", manager.id, NOW)
        assert same.id == payout.id
        assert s.scalar(select(func.count()).select_from(Payout)) == 1
        with pytest.raises(PayoutReferenceConflict):
            ledger.record_payout(s, artisan.id, kes(1_000), "QGH7X2K9LM", manager.id, NOW)
        with pytest.raises(InsufficientBalance) as raised:
            ledger.record_payout(s, artisan.id, kes(70_001), "QGH7X2K9LN", manager.id, NOW)
        assert raised.value.available == kes(70_000)
        with pytest.raises(InvalidReference):
            ledger.record_payout(s, artisan.id, kes(100), "QGH 7X2", manager.id, NOW)
        statement = ledger.recent_entries(s, artisan_account(artisan.id), limit=5)
        assert [(line.kind, line.amount) for line in statement] == [
            (TransactionKind.PAYOUT, kes(-200_000)),
            (TransactionKind.RELEASE, kes(270_000)),  # her share, released on delivery
        ]
        assert statement[0].payout_id == payout.id


def test_only_community_managers_record_payouts(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        _, artisan, _ = _sold_order(s)
        with pytest.raises(PermissionDenied):
            ledger.record_payout(s, artisan.id, kes(100), "ABC123", artisan.user_id, NOW)
        assert ledger.artisan_balance(s, artisan.id) == kes(270_000)


def test_a_mentor_is_paid_her_sales_and_commissions_together(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        _, artisan, mentor = _sold_order(s)
        own = make_product(s, mentor, price_minor=10_000)
        own_order = make_paid_order(s, make_user(s), [(own, 1)])
        ledger.record_sale(s, own_order)
        _release(s, own_order)
        assert ledger.artisan_balance(s, mentor.id) == kes(9_000)
        assert ledger.payable_balance(s, mentor.id) == kes(24_000)
        assert ledger.owed_to_artisans(s, "KES") == [
            (artisan.id, kes(270_000)),
            (mentor.id, kes(24_000)),
        ]
        ledger.record_payout(s, mentor.id, kes(20_000), "MENTOR1", _manager(s).id, NOW)
        assert ledger.artisan_balance(s, mentor.id) == kes(0)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(4_000)
        assert ledger.owed_to_artisans(s, "KES") == [
            (artisan.id, kes(270_000)),
            (mentor.id, kes(4_000)),
        ]
        assert ledger.owed_to_artisans(s, "USD") == []


def test_a_refund_before_delivery_comes_out_of_pending_and_the_rest_is_released(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, mentor = _sold_order(s, released=False)
        line = order.lines[0]
        ledger.record_refund(s, line, Money(125_000, order.currency), "third")  # a third back
        assert ledger.pending_balance(s, artisan.id) == kes(180_000)
        assert ledger.pending_balance(s, mentor.id) == kes(10_000)
        assert ledger.artisan_balance(s, artisan.id) == kes(0)
        manager = _manager(s)
        with pytest.raises(ledger.InsufficientBalance):
            ledger.record_payout(s, artisan.id, kes(100), "PENDING1", manager.id, NOW)
        ledger.release_line(s, line)
        assert ledger.artisan_balance(s, artisan.id) == kes(180_000)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(10_000)
        assert ledger.pending_balance(s, artisan.id) == kes(0)
        ledger.record_refund(s, line, Money(250_000, order.currency), "rest")
        assert ledger.artisan_balance(s, artisan.id) == kes(0)
        assert ledger.balance(s, mentor_account(mentor.id), "KES") == kes(0)
        assert ledger.pending_balance(s, artisan.id) == kes(0)
        assert ledger.unbalanced_transaction_ids(s) == []


def test_a_line_refunded_in_full_before_delivery_releases_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        order, artisan, _ = _sold_order(s, released=False)
        line = order.lines[0]
        ledger.record_refund(s, line, Money(line.line_total_minor, order.currency), "all")
        assert ledger.release_line(s, line) is None
        assert ledger.pending_balance(s, artisan.id) == kes(0)
        assert ledger.artisan_balance(s, artisan.id) == kes(0)
