"""Cases on both databases: a buyer's report opens one case per order, a manager closes it
with a note, a refund split across the lines, or a reshipment; an open case holds back
auto-delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from store import events
from store.errors import PermissionDenied
from store.models import CaseKind, CaseOutcome, Channel, Order, OrderCase, Role
from store.money import Money
from store.pricing import PricingPolicy
from store.services import carts, cases, delivery, fulfilment, orders, roles
from store.services.audit import Actor
from store.services.order_events import CaseRefundAsked
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Amy Chen", "12 Elm St, Portland OR 97201", "us")
asked: list[CaseRefundAsked] = []


@pytest.fixture(autouse=True)
def _listening() -> Iterator[None]:
    """Only this test hears the refund asked (a process's provider handlers are not here)."""
    asked.clear()

    def hear(session: Session, event: CaseRefundAsked, now: datetime) -> None:
        asked.append(event)

    others = events._handlers.pop(CaseRefundAsked, [])
    events.subscribe(CaseRefundAsked, hear)
    yield
    events._handlers[CaseRefundAsked] = others


def _shipped_order(uow_factory: UnitOfWorkFactory) -> tuple[int, int, Order]:
    """(buyer, manager, an order of two pieces from two artisans, both shipped)."""
    with uow_factory() as uow:
        s = uow.session
        her, other = make_artisan(s, "Wanjiru"), make_artisan(s, "Achieng")
        buyer = make_user(s, "Amy").id
        manager = make_user(s, "Neema").id
        roles.grant(s, Actor.operator(), manager, Role.COMMUNITY_MANAGER, NOW)
        for artisan, title, price in ((her, "Brass cuff", 3000), (other, "Horn ring", 1000)):
            product = make_product(s, artisan, title=title, stock=3, price_minor=price)
            carts.add_to_cart(s, buyer, product.id, 1, now=NOW)
        order = orders.place_order(s, buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW)
        orders.mark_paid(s, order.id, "stripe", f"pi_{order.id}", NOW)
        for line in order.lines:
            artisan_user = her.user_id if line.title == "Brass cuff" else other.user_id
            fulfilment.accept_line(s, artisan_user, line.id, NOW)
            fulfilment.ship_line(s, artisan_user, line.id, NOW)
        uow.commit()
        s.expunge(order)
    return buyer, manager, order


def _report(uow_factory: UnitOfWorkFactory, order: Order, buyer: int, note: str) -> cases.Reported:
    with uow_factory() as uow:
        done = cases.report(
            uow.session,
            order.id,
            CaseKind.DAMAGED,
            note,
            "photo-key",
            by=buyer,
            now=NOW,
            within=WEEK,
        )
        uow.commit()
        return done


def test_a_second_report_adds_to_the_open_case(uow_factory: UnitOfWorkFactory) -> None:
    buyer, _, order = _shipped_order(uow_factory)
    first = _report(uow_factory, order, buyer, "The cuff is bent")
    second = _report(uow_factory, order, buyer, "and the ring lost a bead")
    assert (first.newly, second.newly) == (True, False)
    with uow_factory() as uow:
        (case,) = cases.open_cases(uow.session)
        assert case.note == "The cuff is bent\nand the ring lost a bead"
        assert case.photo_ref == "photo-key"


def test_only_her_buyer_reports_and_only_a_parcel_sent(uow_factory: UnitOfWorkFactory) -> None:
    buyer, manager, order = _shipped_order(uow_factory)
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        cases.report(
            uow.session, order.id, CaseKind.NOT_ARRIVED, "", None, by=manager, now=NOW, within=WEEK
        )
    with uow_factory() as uow:
        delivery.mark_delivered(uow.session, order.id, NOW, by=buyer)
        uow.commit()
    later = NOW + WEEK + timedelta(seconds=1)
    with uow_factory() as uow, pytest.raises(cases.NothingToReport):
        cases.report(
            uow.session, order.id, CaseKind.DAMAGED, "", None, by=buyer, now=later, within=WEEK
        )


def test_a_partial_refund_is_split_across_lines_and_closes_the_case(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, manager, order = _shipped_order(uow_factory)
    case_id = _report(uow_factory, order, buyer, "bent").case.id
    totals = {line.id: line.line_total_minor for line in order.lines}
    half = sum(totals.values()) // 2
    with uow_factory() as uow:
        cases.close_with_refund(
            uow.session, case_id, Money(half, order.currency), "sorry", Actor.user(manager), NOW
        )
        uow.commit()
    (event,) = asked
    share = dict(event.lines)
    assert sum(share.values()) == half
    for line_id, total in totals.items():  # each line its part, within one minor unit
        assert abs(share[line_id] * sum(totals.values()) - half * total) <= sum(totals.values())
    with uow_factory() as uow:
        case = uow.session.get_one(OrderCase, case_id)
        assert (case.outcome, case.refunded_minor, case.closed_by) == (
            CaseOutcome.REFUND,
            half,
            manager,
        )
        assert cases.open_case_of(uow.session, order.id) is None


def test_more_than_is_left_is_refused_and_the_case_stays_open(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, manager, order = _shipped_order(uow_factory)
    case_id = _report(uow_factory, order, buyer, "bent").case.id
    with uow_factory() as uow, pytest.raises(cases.TooMuch) as refused:
        cases.close_with_refund(
            uow.session, case_id, Money(10**9, order.currency), "", Actor.user(manager), NOW
        )
    assert refused.value.left.amount == sum(line.line_total_minor for line in order.lines)
    assert asked == []
    with uow_factory() as uow:
        assert cases.open_case_of(uow.session, order.id) is not None


def test_a_closed_case_is_not_closed_twice_and_only_managers_close(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, manager, order = _shipped_order(uow_factory)
    case_id = _report(uow_factory, order, buyer, "bent").case.id
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        cases.close_with_note(uow.session, case_id, "no", Actor.user(buyer), NOW)
    with uow_factory() as uow:
        cases.close_with_note(uow.session, case_id, "found at the post", Actor.user(manager), NOW)
        uow.commit()
    with uow_factory() as uow, pytest.raises(cases.CaseAlreadyClosed):
        cases.close_with_reshipment(uow.session, case_id, "", Actor.user(manager), NOW)


def test_an_open_case_holds_auto_delivery_and_a_reshipment_restarts_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    buyer, manager, order = _shipped_order(uow_factory)
    after = lambda country: WEEK  # noqa: E731
    late = NOW + WEEK
    with uow_factory() as uow:
        assert delivery.due_for_delivery(uow.session, late, after) == [order.id]
    case_id = _report(uow_factory, order, buyer, "nothing came").case.id
    with uow_factory() as uow:
        assert delivery.due_for_delivery(uow.session, late, after) == []
    with uow_factory() as uow:
        cases.close_with_reshipment(uow.session, case_id, "sent again", Actor.user(manager), late)
        uow.commit()
    with uow_factory() as uow:
        assert delivery.due_for_delivery(uow.session, late + WEEK - timedelta(1), after) == []
        assert delivery.due_for_delivery(uow.session, late + WEEK, after) == [order.id]
