"""The figures of a community manager's week (`conversations/flows/manager_week.py` words
them): listings waiting and the oldest wait, the week's reviews, new shops and who brought
them, orders waiting at each step, open cases, payouts owed and paid, shops due for a
workshop visit (`workshop_visits.shops_due_for_visit`). Read-only; one query
each, so the weekly job and "My week" cost the same however big the shop grows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from store.models import (
    Artisan,
    LineStatus,
    ListingReview,
    Order,
    OrderCase,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    ReviewDecision,
)
from store.money import Money, sum_money
from store.services import activity, ledger, workshop_visits
from store.services.workshop_visits import DueShop

WEEK: Final = timedelta(days=7)


class OrderStep(StrEnum):
    """Where an order waits, from the order's status and its pieces' (`order_status.py`).
    An order whose pieces are at two steps counts at both."""

    PAYMENT = "payment"  # placed, not paid
    TO_ACCEPT = "to_accept"  # paid, the artisan has not accepted
    TO_BRING = "to_bring"  # accepted: to bring to the hub (hub mode) or to send (direct)
    AT_HUB = "at_hub"  # at the hub, to check
    RETURNED = "returned"  # given back to the artisan at the hub, to bring again
    TO_SHIP = "to_ship"  # passed at the hub, to pack and ship
    SHIPPED = "shipped"  # on its way, not delivered yet


_LINE_STEPS: Final = {
    LineStatus.PAID: OrderStep.TO_ACCEPT,
    LineStatus.ACCEPTED: OrderStep.TO_BRING,
    LineStatus.READY: OrderStep.TO_BRING,
    LineStatus.AT_HUB: OrderStep.AT_HUB,
    LineStatus.RETURNED: OrderStep.RETURNED,
    LineStatus.PASSED: OrderStep.TO_SHIP,
    LineStatus.SHIPPED: OrderStep.SHIPPED,
}


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest_since: datetime | None  # when the longest-waiting listing was sent for review


@dataclass(frozen=True)
class Reviews:
    approved: int
    rejected: int

    @property
    def reviewed(self) -> int:
        return self.approved + self.rejected

    @property
    def rate(self) -> float | None:
        """Approved / reviewed; None when nothing was reviewed."""
        return self.approved / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class NewShop:
    artisan_id: int
    user_id: int
    shop_name: str
    opened_at: datetime
    mentor_shop: str | None  # the mentor whose code brought her; None: she came alone


@dataclass(frozen=True)
class Payouts:
    owed_count: int  # artisans and mentors with money payable now
    owed: Money
    paid_count: int  # payouts recorded in the week
    paid: Money


@dataclass(frozen=True)
class WeekFigures:
    since: datetime
    until: datetime
    listings: Waiting
    reviews: Reviews
    new_shops: list[NewShop]
    orders: Mapping[OrderStep, int]
    open_cases: int
    payouts: Payouts
    visits_due: list[DueShop]  # shops due for a workshop visit, by place


def week_figures(
    session: Session, now: datetime, currency: str, *, timezone: str = workshop_visits.NAIROBI
) -> WeekFigures:
    """The seven days up to `now`; money in `currency` (what artisans are paid in); a visit
    still counts until its month's end in `timezone`."""
    since = now - WEEK
    return WeekFigures(
        since=since,
        until=now,
        listings=listings_waiting(session),
        reviews=reviews(session, since, now),
        new_shops=new_shops(session, since, now),
        orders=orders_waiting(session),
        open_cases=open_cases(session),
        payouts=payouts(session, currency, since, now),
        visits_due=workshop_visits.shops_due_for_visit(session, now, timezone=timezone),
    )


def listings_waiting(session: Session) -> Waiting:
    count, oldest = session.execute(
        select(func.count(Product.id), func.min(Product.submitted_at)).where(
            Product.status == ProductStatus.PENDING_REVIEW
        )
    ).one()
    return Waiting(int(count), oldest)


def reviews(session: Session, since: datetime, until: datetime) -> Reviews:
    rows = dict(
        session.execute(
            select(ListingReview.decision, func.count(ListingReview.id))
            .where(ListingReview.decided_at >= since, ListingReview.decided_at < until)
            .group_by(ListingReview.decision)
        ).all()
    )
    return Reviews(
        approved=int(rows.get(ReviewDecision.APPROVED, 0)),
        rejected=int(rows.get(ReviewDecision.REJECTED, 0)),
    )


def reviewed_in(
    session: Session, since: datetime, until: datetime, *, limit: int
) -> list[tuple[ListingReview, Product | None]]:
    """The week's decisions, newest first, with their pieces (None: deleted since)."""
    rows = session.execute(
        select(ListingReview, Product)
        .outerjoin(Product, Product.id == ListingReview.product_id)
        .where(ListingReview.decided_at >= since, ListingReview.decided_at < until)
        .order_by(ListingReview.decided_at.desc(), ListingReview.id.desc())
        .limit(limit)
    ).all()
    return [(review, product) for review, product in rows]


def new_shops(session: Session, since: datetime, until: datetime) -> list[NewShop]:
    """Shops opened in [since, until), newest first, each with the mentor who brought her."""
    mentor = aliased(Artisan)
    rows = session.execute(
        select(Artisan.id, Artisan.user_id, Artisan.shop_name, Artisan.created_at, mentor.shop_name)
        .outerjoin(mentor, mentor.id == Artisan.mentor_id)
        .where(Artisan.created_at >= since, Artisan.created_at < until)
        .order_by(Artisan.created_at.desc(), Artisan.id.desc())
    ).all()
    return [NewShop(*row) for row in rows]


@dataclass(frozen=True)
class StepOrders:
    count: int  # how many orders wait at the step
    oldest: list[Order]  # the oldest of them, at most the limit asked


def orders_waiting(session: Session) -> dict[OrderStep, int]:
    """How many orders wait at each step (every step, zero included)."""
    counts = dict.fromkeys(OrderStep, 0)
    counts[OrderStep.PAYMENT] = _unpaid_count(session)
    for step, order_ids in _orders_by_step(session).items():
        counts[step] = len(order_ids)
    return counts


def orders_at_steps(session: Session, *, limit: int) -> dict[OrderStep, StepOrders]:
    """How many orders wait at each step, and the oldest of them, at most `limit` a step."""
    unpaid = session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PENDING_PAYMENT)
        .order_by(Order.id)
        .limit(limit)
    )
    found = {step: StepOrders(0, []) for step in OrderStep}
    found[OrderStep.PAYMENT] = StepOrders(_unpaid_count(session), list(unpaid))
    by_step = _orders_by_step(session)
    chosen = {step: sorted(ids)[:limit] for step, ids in by_step.items()}
    wanted = {order_id for order_ids in chosen.values() for order_id in order_ids}
    by_id = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(wanted)))}
    for step, order_ids in chosen.items():  # one read for every step's orders
        found[step] = StepOrders(len(by_step[step]), [by_id[order_id] for order_id in order_ids])
    return found


def _unpaid_count(session: Session) -> int:
    count = select(func.count(Order.id)).where(Order.status == OrderStatus.PENDING_PAYMENT)
    return int(session.scalar(count) or 0)


def _orders_by_step(session: Session) -> dict[OrderStep, set[int]]:
    rows = session.execute(
        select(OrderLine.status, OrderLine.order_id)
        .where(OrderLine.status.in_(list(_LINE_STEPS)))
        .distinct()
    ).all()
    by_step: dict[OrderStep, set[int]] = {}
    for status, order_id in rows:
        by_step.setdefault(_LINE_STEPS[status], set()).add(order_id)
    return by_step


def open_cases(session: Session) -> int:
    return int(
        session.scalar(select(func.count(OrderCase.id)).where(OrderCase.closed_at.is_(None))) or 0
    )


def payouts(session: Session, currency: str, since: datetime, until: datetime) -> Payouts:
    owed = ledger.owed_to_artisans(session, currency)
    paid_count, paid = activity.payouts_made(session, currency, since, until)
    return Payouts(
        owed_count=len(owed),
        owed=sum_money((amount for _, amount in owed), currency),
        paid_count=paid_count,
        paid=paid,
    )
