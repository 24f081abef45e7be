"""The figures of a manager's week (`store.services.manager_week`), each on its own, on both
databases: what counts and what does not (outside the week, at another step, closed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from store.models import (
    Artisan,
    ArtisanStatus,
    CaseKind,
    LineStatus,
    Order,
    OrderCase,
    OrderStatus,
    Product,
    ProductStatus,
    Role,
    User,
)
from store.money import Money
from store.services import delivery, ledger, listing_review, manager_week
from store.services.manager_week import OrderStep
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Nairobi
LAST_WEEK = NOW - timedelta(days=8)


def _waiting(session: Session, artisan_id: int, submitted: datetime) -> Product:
    artisan = session.get_one(Artisan, artisan_id)
    product = make_product(session, artisan, status=ProductStatus.PENDING_REVIEW)
    product.submitted_at = submitted
    session.flush()
    return product


def test_listings_waiting_and_the_oldest_wait(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        assert manager_week.listings_waiting(s) == manager_week.Waiting(0, None)
        artisan = make_artisan(s, "Neema")
        make_product(s, artisan, status=ProductStatus.ACTIVE)  # live: not waiting
        make_product(s, artisan, status=ProductStatus.DRAFT)  # not sent yet
        _waiting(s, artisan.id, NOW - timedelta(hours=5))
        _waiting(s, artisan.id, NOW - timedelta(days=3, hours=2))
        waiting = manager_week.listings_waiting(s)
    assert waiting.count == 2
    assert waiting.oldest_since == NOW - timedelta(days=3, hours=2)


def test_the_approval_rate_counts_every_decision_of_the_week(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Faith", roles=(Role.COMMUNITY_MANAGER,))
        artisan = make_artisan(s, "Neema")
        old = _waiting(s, artisan.id, LAST_WEEK - timedelta(days=1))
        listing_review.approve(s, manager.id, old.id, LAST_WEEK)  # last week: not counted
        first = _waiting(s, artisan.id, NOW - timedelta(days=3))
        listing_review.reject(s, manager.id, first.id, "Photo not clear", NOW - timedelta(days=2))
        # She sends the same piece again and it is approved: one rejection, one approval.
        first.status = ProductStatus.PENDING_REVIEW
        s.flush()
        listing_review.approve(s, manager.id, first.id, NOW - timedelta(days=1))
        second = _waiting(s, artisan.id, NOW - timedelta(days=2))
        listing_review.approve(s, manager.id, second.id, NOW - timedelta(hours=1))
        assert manager_week.reviews(s, NOW - timedelta(days=7), NOW) == manager_week.Reviews(
            approved=2, rejected=1
        )
        found = manager_week.reviewed_in(s, NOW - timedelta(days=7), NOW, limit=10)
        assert [(review.decision.value, product.id) for review, product in found if product] == [
            ("approved", second.id),
            ("approved", first.id),
            ("rejected", first.id),
        ]
    assert manager_week.Reviews(approved=2, rejected=1).rate == 2 / 3
    assert manager_week.Reviews(approved=0, rejected=0).rate is None


def test_new_shops_and_who_brought_them(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor = make_artisan(s, "Wanjiru")
        mentor.shop_name, mentor.created_at = "Vito vya Wanjiru", LAST_WEEK
        recruit = make_artisan(s, "Akinyi", mentor=mentor)
        recruit.shop_name, recruit.created_at = "Akinyi Beads", NOW - timedelta(days=2)
        alone = make_artisan(s, "Joy")
        alone.shop_name, alone.mentor_id = "Joy Brass", None
        alone.created_at = NOW - timedelta(hours=3)
        s.flush()
        shops = manager_week.new_shops(s, NOW - timedelta(days=7), NOW)
    assert [(shop.shop_name, shop.mentor_shop) for shop in shops] == [
        ("Joy Brass", None),
        ("Akinyi Beads", "Vito vya Wanjiru"),
    ]


def _order(s: Session, buyer: User, *statuses: LineStatus) -> Order:
    artisan = make_artisan(s)
    items = [(make_product(s, artisan), 1) for _ in statuses]
    order = make_paid_order(s, buyer, items)
    for line, status in zip(order.lines, statuses, strict=True):
        line.status = status
    s.flush()
    return order


def test_orders_waiting_at_each_step(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        assert set(manager_week.orders_waiting(s).values()) == {0}
        buyer = make_user(s, "Lena")
        unpaid = _order(s, buyer, LineStatus.PENDING)
        unpaid.status = OrderStatus.PENDING_PAYMENT
        _order(s, buyer, LineStatus.PAID)
        _order(s, buyer, LineStatus.ACCEPTED, LineStatus.READY)  # one order, one step
        two_steps = _order(s, buyer, LineStatus.AT_HUB, LineStatus.PASSED)
        _order(s, buyer, LineStatus.RETURNED)
        _order(s, buyer, LineStatus.SHIPPED)
        _order(s, buyer, LineStatus.DELIVERED)  # arrived: waits for nothing
        _order(s, buyer, LineStatus.CANCELLED)
        s.flush()
        counts = manager_week.orders_waiting(s)
        listed = manager_week.orders_at_steps(s, limit=10)
    assert counts == {
        OrderStep.PAYMENT: 1,
        OrderStep.TO_ACCEPT: 1,
        OrderStep.TO_BRING: 1,
        OrderStep.AT_HUB: 1,
        OrderStep.RETURNED: 1,
        OrderStep.TO_SHIP: 1,
        OrderStep.SHIPPED: 1,
    }
    assert {step: waiting.count for step, waiting in listed.items()} == counts
    assert [order.code for order in listed[OrderStep.AT_HUB].oldest] == [two_steps.code]
    assert [order.code for order in listed[OrderStep.TO_SHIP].oldest] == [two_steps.code]
    assert [order.code for order in listed[OrderStep.PAYMENT].oldest] == [unpaid.code]


def test_open_cases_only(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        buyer = make_user(s, "Lena")
        for closed in (False, True, False):
            order = _order(s, buyer, LineStatus.SHIPPED)
            s.add(
                OrderCase(
                    order_id=order.id,
                    open_order_id=None if closed else order.id,
                    kind=CaseKind.DAMAGED,
                    opened_by=buyer.id,
                    opened_at=NOW - timedelta(days=1),
                    closed_at=NOW if closed else None,
                )
            )
        s.flush()
        assert manager_week.open_cases(s) == 2


def test_payouts_due_and_paid_in_the_week(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Faith", roles=(Role.COMMUNITY_MANAGER,))
        buyer = make_user(s, "Lena")
        nothing = manager_week.payouts(s, "KES", NOW - timedelta(days=7), NOW)
        assert nothing == manager_week.Payouts(0, Money(0, "KES"), 0, Money(0, "KES"))
        owed: dict[str, int] = {}
        for name in ("Neema", "Achieng"):
            order = _order(s, buyer, LineStatus.SHIPPED)
            ledger.record_sale(s, order)
            delivery.mark_delivered(s, order.id, NOW, by=buyer.id)  # her share is payable
            owed[name] = order.lines[0].artisan_id
        neema = ledger.payable_balance(s, owed["Neema"])
        ledger.record_payout(
            s, owed["Neema"], Money(10_000, "KES"), "QGH4K2L9XA", manager.id, LAST_WEEK
        )
        ledger.record_payout(
            s, owed["Neema"], Money(20_000, "KES"), "QGH4K2L9XB", manager.id, NOW - timedelta(1)
        )
        achieng = ledger.payable_balance(s, owed["Achieng"])
        week = manager_week.payouts(s, "KES", NOW - timedelta(days=7), NOW)
    assert week.owed_count == 2
    assert week.owed == neema - Money(30_000, "KES") + achieng
    assert (week.paid_count, week.paid) == (1, Money(20_000, "KES"))


def test_shops_due_for_a_visit_come_from_the_visits_list(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        assert manager_week.week_figures(s, NOW, "KES").visits_due == []
        never = make_artisan(s, "Neema")
        never.shop_name = "Neema Beads"
        suspended = make_artisan(s, "Joy", status=ArtisanStatus.SUSPENDED)
        suspended.shop_name = "Joy Brass"
        s.flush()
        due = manager_week.week_figures(s, NOW, "KES").visits_due
    assert [shop.shop_name for shop in due] == ["Neema Beads"]
