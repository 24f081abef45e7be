"""Property: whatever happens to orders — paid, cancelled, refunded in parts, paid out — every
ledger transaction balances, each artisan is owed exactly her shares (and commissions as a
mentor) minus what was refunded minus what she was paid, and Stripe refunded exactly what
the ledger gave back. SQLite, a fresh database per example, bounded examples."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from payments import refunds
from payments.completion import complete_payment
from store.db import make_engine
from store.effect_runner import EffectKind, EffectRunner
from store.models import Channel, LedgerEntry, Order, OrderStatus, Role
from store.money import Money
from store.services import carts, ledger, orders
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.market_support import TEST_PRICING

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SHIPPING = ShippingDetails("Anna", "Hauptstr. 1, Berlin", "DE")


@dataclass
class RecordingGateway:
    """Stands in for Stripe's Refunds API: remembers each refund once per idempotency key."""

    refunds: dict[str, int] = field(default_factory=dict)

    def refund(
        self, payment_ref: str, amount_minor: int, idempotency_key: str, metadata: Mapping[str, str]
    ) -> str:
        self.refunds.setdefault(idempotency_key, amount_minor)
        return f"re_{idempotency_key}"


def _portion(amount: int, part: int, whole: int) -> int:
    return (2 * amount * part + whole) // (2 * whole)


# Orders and payments come up more often, so that there is something to refund and pay out.
KINDS: tuple[str, ...] = ("order", "order", "pay", "pay", "cancel", "refund_line")
KINDS += ("refund_line", "refund_order", "payout")
# (what, which order / product / artisan, which line, how much in quarters)
Step = tuple[str, int, int, int]
_WAITING, _PAID = OrderStatus.PENDING_PAYMENT, OrderStatus.PAID
WANTS: dict[str, tuple[OrderStatus, ...]] = {
    "pay": (_WAITING,),
    "cancel": (_WAITING, _PAID),
    "refund_line": (_PAID,),
    "refund_order": (_PAID,),
}
operations = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 9), st.integers(0, 2), st.integers(1, 4)),
    min_size=8,
    max_size=30,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_ledger_balances_and_balances_are_shares_minus_refunds_minus_payouts(
    sqlite_template: Path, steps: list[Step]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "soko.db"
        shutil.copyfile(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            _run(UnitOfWorkFactory(engine), steps)
        finally:
            engine.dispose()


def _run(db: UnitOfWorkFactory, steps: list[Step]) -> None:
    gateway = RecordingGateway()
    refs = (f"QK{n:06d}" for n in itertools.count())
    with db() as uow:
        session = uow.session
        manager = make_user(session, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        mentor = make_artisan(session, "Mama Beads")
        makers = [make_artisan(session, "Wanjiru", mentor=mentor), make_artisan(session, "Akinyi")]
        artisans = [mentor, *makers]
        products = [
            make_product(session, artisan, stock=1000, price_minor=price)
            for artisan, price in zip(artisans, (99_900, 150_000, 12_345), strict=True)
        ]
        product_ids = [product.id for product in products]
        artisan_ids = [artisan.id for artisan in artisans]
        manager_id = manager.id
        uow.commit()

    order_ids: list[int] = []
    payouts: dict[int, int] = defaultdict(int)
    for kind, which, line_index, quarters in steps:
        with db() as uow:
            session = uow.session
            order = _pick(session, order_ids, which, WANTS.get(kind, ()))
            if kind == "order":
                buyer = make_user(session, "Buyer")
                product_id = product_ids[which % len(product_ids)]
                carts.add_to_cart(session, buyer.id, product_id, quantity=quarters, now=NOW)
                placed = orders.place_order(
                    session, buyer.id, Channel.CONSOLE, TEST_PRICING, SHIPPING, NOW
                )
                order_ids.append(placed.id)
            elif kind == "pay" and order is not None:
                if order.status == OrderStatus.PENDING_PAYMENT:
                    complete_payment(
                        session,
                        provider="stripe",
                        event_id=f"session:{order.id}",
                        event_type="checkout.session.completed",
                        payment_ref=f"pi_{order.id}",
                        now=NOW,
                        order_id=order.id,
                    )
            elif kind == "cancel" and order is not None:
                if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
                    # A paid order's sale is reversed by payments' handler of the event.
                    orders.cancel_order(session, order.buyer_user_id, order.id, NOW)
            elif kind == "refund_line" and order is not None:
                if order.status == OrderStatus.PAID:
                    line = order.lines[line_index % len(order.lines)]
                    left = line.line_total_minor - ledger.refunded_on_line(session, line).amount
                    amount = max(1, left * quarters // 4)
                    if left > 0:
                        refunds.refund_line(
                            session,
                            order,
                            line.id,
                            Money(min(amount, left), order.currency),
                            "test",
                            NOW,
                        )
            elif kind == "refund_order" and order is not None:
                if order.status == OrderStatus.PAID:
                    refunds.refund_order(session, order, "test", NOW)
            elif kind == "payout":
                artisan_id = artisan_ids[which % len(artisan_ids)]
                owed = ledger.payable_balance(session, artisan_id).amount
                amount = owed * quarters // 4
                if amount > 0:
                    ledger.record_payout(
                        session, artisan_id, Money(amount, "KES"), next(refs), manager_id, NOW
                    )
                    payouts[artisan_id] += amount
            uow.commit()

    refunds.queue_due_refunds(db, NOW)  # the buyers' cancellations go to Stripe
    refund_kind = EffectKind(
        refunds.REFUND_EFFECT,
        lambda claimed: refunds.send_refund(gateway, claimed),
        lambda session, claimed, result, now: refunds.record_sent(
            session, claimed.key, str(result["refund_id"]), now
        ),
    )
    EffectRunner(db, [refund_kind], lambda: NOW).run_due(limit=10_000)
    with db(read_only=True) as uow:
        session = uow.session
        assert ledger.unbalanced_transaction_ids(session) == []
        expected: dict[int, int] = defaultdict(int)
        paid = session.scalars(select(Order).where(Order.paid_at.is_not(None))).all()
        for order in paid:
            for line in order.lines:
                refunded = ledger.refunded_on_line(session, line).amount
                total = line.line_total_minor
                share, commission = line.artisan_share_minor, line.mentor_commission_minor
                expected[line.artisan_id] += share - _portion(share, refunded, total)
                if line.mentor_id is not None:
                    expected[line.mentor_id] += commission - _portion(commission, refunded, total)
        for artisan_id in artisan_ids:
            # Payable once delivered, pending until then (releases: the ledger property test).
            owed = (
                ledger.payable_balance(session, artisan_id)
                + ledger.pending_balance(session, artisan_id)
            ).amount
            # May be negative: a refund after a payout is owed back from her next sales.
            assert owed == expected[artisan_id] - payouts[artisan_id], artisan_id
        given_back = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
                LedgerEntry.account == ledger.provider_account("stripe"),
                LedgerEntry.amount_minor > 0,
            )
        )
        assert sum(gateway.refunds.values()) == given_back


def _pick(
    session: Session, order_ids: list[int], index: int, statuses: tuple[OrderStatus, ...]
) -> Order | None:
    """One of the orders a step can act on (so most steps do something)."""
    if not statuses or not order_ids:
        return None
    candidates = list(
        session.scalars(
            select(Order.id)
            .where(Order.id.in_(order_ids), Order.status.in_(statuses))
            .order_by(Order.id)
        )
    )
    if not candidates:
        return None
    return orders.lock_order(session, candidates[index % len(candidates)])
