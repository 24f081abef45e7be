"""Workshop visits on both databases: a passed visit verifies a shop from its month until the
set number of months has gone by, a follow-up does not; the list of shops due holds those
never visited, lapsed or to follow up, nearest first by their pins (then by the place they
typed); who may record one; and each visit is in the people audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from store.errors import PermissionDenied
from store.models import (
    ArtisanStatus,
    AuditAction,
    PeopleAudit,
    Role,
    UserRole,
    VisitOutcome,
)
from store.services import showcase, workshop_visits
from store.services.audit import Actor
from store.services.workshop_visits import Check, DueReason, NoteNeeded, VisitInFuture
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)  # noon in Nairobi
ALL_OK = {"materials": Check.OK, "tools": Check.OK, "working_conditions": Check.OK}
# Where the manager stands (Nairobi CBD) and the pins the artisans shared.
CBD = (-1.2864, 36.8172)
KIBERA = (-1.3133, 36.7876)  # about 4.4 km away
KAYOLE = (-1.2770, 36.9110)  # about 10 km away


def visit(
    session: object,
    manager: int,
    artisan: int,
    day: date,
    outcome: VisitOutcome = VisitOutcome.PASSED,
    note: str = "",
    now: datetime = NOW,
    months: int = 12,
) -> None:
    workshop_visits.record_visit(
        session,  # type: ignore[arg-type]
        Actor.user(manager),
        artisan,
        visited_on=day,
        outcome=outcome,
        checks=ALL_OK,
        note=note,
        now=now,
        valid_months=months,
    )


def test_a_passed_visit_verifies_from_its_month_until_it_lapses(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
        amina = make_artisan(s, "Amina").id
        visit(s, manager, amina, date(2027, 3, 3), months=12)
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert workshop_visits.verified_since(s, [amina], NOW) == {amina: date(2027, 3, 1)}
        # 2 March 2028, 23:59 in Nairobi: still verified; 3 March 2028 in Nairobi: lapsed.
        last_minute = datetime(2028, 3, 2, 20, 59, tzinfo=UTC)
        lapsed = datetime(2028, 3, 2, 21, 0, tzinfo=UTC)
        assert workshop_visits.verified_since(s, [amina], last_minute) == {amina: date(2027, 3, 1)}
        assert workshop_visits.verified_since(s, [amina], lapsed) == {}
        assert workshop_visits.shops_due_for_visit(s, last_minute) == []
        [due] = workshop_visits.shops_due_for_visit(s, lapsed)
        assert (due.artisan_id, due.reason, due.last_visit_month) == (
            amina,
            DueReason.LAPSED,
            date(2027, 3, 1),
        )


def test_a_follow_up_after_a_pass_ends_the_verification_and_the_next_pass_restores_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
        amina = make_artisan(s, "Amina").id
        visit(s, manager, amina, date(2027, 1, 10))
        visit(s, manager, amina, date(2027, 3, 1), VisitOutcome.FOLLOW_UP, "Sand the clasps")
        assert workshop_visits.verified_since(s, [amina], NOW) == {}
        [due] = workshop_visits.shops_due_for_visit(s, NOW)
        assert (due.reason, due.last_visit_month) == (DueReason.FOLLOW_UP, date(2027, 3, 1))
        visit(s, manager, amina, date(2027, 3, 14))
        assert workshop_visits.verified_since(s, [amina], NOW) == {amina: date(2027, 3, 1)}
        assert workshop_visits.shops_due_for_visit(s, NOW) == []
        notes = s.scalars(
            select(PeopleAudit.note).where(PeopleAudit.action == AuditAction.VISIT)
        ).all()
        assert notes == [
            "passed 2027-01-10",
            "follow_up 2027-03-01: Sand the clasps",
            "passed 2027-03-14",
        ]


def test_shops_due_come_nearest_first_by_pin_then_by_place(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        far = make_artisan(s, "Far")
        near = make_artisan(s, "Near")
        westlands = make_artisan(s, "Wanjiru")
        gikomba = make_artisan(s, "Njeri")
        suspended = make_artisan(s, "Zawadi", status=ArtisanStatus.SUSPENDED)
        far.pin_latitude, far.pin_longitude = KAYOLE
        near.pin_latitude, near.pin_longitude = KIBERA
        westlands.location, gikomba.location = "Westlands", "Gikomba, Nairobi"
        s.flush()
        by_pin = workshop_visits.shops_due_for_visit(s, NOW, near=CBD)
        assert [d.artisan_id for d in by_pin] == [near.id, far.id, gikomba.id, westlands.id]
        assert [round(d.distance_km or 0) for d in by_pin[:2]] == [4, 10]
        by_place = workshop_visits.shops_due_for_visit(s, NOW)
        assert [d.place for d in by_place] == [
            "Gikomba, Nairobi",
            "Kibera, Nairobi",
            "Kibera, Nairobi",
            "Westlands",
        ]
        assert suspended.id not in {d.artisan_id for d in by_place}


def test_who_may_record_a_visit_and_what_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
        buyer = make_user(s, "Amy").id
        amina = make_artisan(s, "Amina")
        managing_artisan = make_artisan(s, "Neema")
        with pytest.raises(PermissionDenied):
            visit(s, buyer, amina.id, date(2027, 3, 1))
        with pytest.raises(VisitInFuture):
            visit(s, manager, amina.id, date(2027, 3, 16))
        with pytest.raises(NoteNeeded):
            visit(s, manager, amina.id, date(2027, 3, 1), VisitOutcome.FOLLOW_UP, "   ")
        # A community manager with a shop does not verify her own.
        s.add(UserRole(user_id=managing_artisan.user_id, role=Role.COMMUNITY_MANAGER))
        s.flush()
        with pytest.raises(PermissionDenied):
            visit(s, managing_artisan.user_id, managing_artisan.id, date(2027, 3, 1))
        assert workshop_visits.latest_visits(s, [amina.id, managing_artisan.id]) == {}


def test_the_pages_end_a_verification_on_the_shops_calendar_day(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The shop and piece pages read the day in the artisans' time zone (ARTISAN_TIMEZONE),
    as the chat card does: an operator in UTC sees the badge until UTC's midnight."""
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
        amina = make_artisan(s, "Amina")
        product = make_product(s, amina)
        visit(s, manager, amina.id, date(2027, 3, 3), months=12)
        slug, ref = amina.slug, product.slug
        uow.commit()
    # 3 March 2028 in Nairobi (lapsed there), still 2 March in UTC.
    late = datetime(2028, 3, 2, 22, 0, tzinfo=UTC)
    with uow_factory() as uow:
        s = uow.session
        found = showcase.find_shop(s, slug, now=late, timezone="UTC")
        piece = showcase.find_product(s, ref, now=late, timezone="UTC")
        assert found is not None
        assert piece is not None
        assert (found[1].verified_in, piece.shop.verified_in) == (date(2027, 3, 1),) * 2
        shown = showcase.find_shop(s, slug, now=late)
        assert shown is not None
        assert shown[1].verified_in is None  # Nairobi, unless set
