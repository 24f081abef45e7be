"""Monday's mentor job: recruits who qualify are promoted (and told, as is their mentor),
sellers at the mentor threshold are offered mentorship once, and each mentor gets a digest of
her recruits' progress, their sales of the week and her commissions — in her language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from conversations.jobs.mentor_digest import weekly_mentor_digest
from conversations.notify.mentors import offer_mentorship
from store.models import Artisan, ArtisanStatus, LineStatus, Role, UserRole
from store.money import Money
from store.services import ledger, people, roles
from store.services.audit import Actor
from store.services.referrals import MentorThreshold, QualificationRules
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.jobs.jobs_support import MONDAY_9AM, NAIROBI, texts

NOW = MONDAY_9AM - timedelta(hours=1)  # Monday 08:00 in Nairobi
RULES = QualificationRules(min_approved_listings=2, min_fulfilled_orders=1)
THRESHOLD = MentorThreshold(min_fulfilled_orders=2)


def run(uow_factory: UnitOfWorkFactory, when: timedelta = timedelta()) -> tuple[list[int], ...]:
    done = weekly_mentor_digest(
        uow_factory, NOW + when, NAIROBI, rules=RULES, threshold=THRESHOLD, currency="KES"
    )
    return done.promoted, done.offered, done.digests


def sell(session: Session, artisan: Artisan, status: LineStatus, *, paid_ago: timedelta) -> None:
    order = make_paid_order(
        session, make_user(session), [(make_product(session, artisan), 1)], line_status=status
    )
    order.paid_at = NOW - paid_ago
    sale = ledger.record_sale(session, order)
    sale.created_at = NOW - paid_ago


def test_promotions_offers_and_digests_once_a_week_in_each_language(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor = make_artisan(s, "Mama Amina", locale="sw", status=ArtisanStatus.INDEPENDENT)
        s.add(UserRole(user_id=mentor.user_id, role=Role.MENTOR))
        ready = make_artisan(s, "Wanjiru", mentor=mentor, locale="en")
        make_product(s, ready)
        sell(s, ready, LineStatus.SHIPPED, paid_ago=timedelta(days=20))  # long ago
        learning = make_artisan(s, "Achieng", mentor=mentor, locale="sw")
        sell(s, learning, LineStatus.PAID, paid_ago=timedelta(days=2))  # this week
        seasoned = make_artisan(s, "Grace", locale="en", status=ArtisanStatus.INDEPENDENT)
        for _ in range(2):
            sell(s, seasoned, LineStatus.DELIVERED, paid_ago=timedelta(days=30))
        uow.commit()
        mentor_id, mentor_user = mentor.id, mentor.user_id
        ready_id, ready_user = ready.id, ready.user_id
        learning_id = learning.id
        seasoned_id, seasoned_user = seasoned.id, seasoned.user_id

    assert run(uow_factory) == ([ready_id], [seasoned_id], [mentor_id])
    assert run(uow_factory) == ([], [], [])  # twice = once
    assert run(uow_factory, timedelta(days=3)) == ([], [], [])  # same ISO week

    with uow_factory(read_only=True) as uow:
        promoted = uow.session.get(Artisan, ready_id)
        assert promoted is not None
        assert promoted.status is ArtisanStatus.INDEPENDENT
        assert promoted.qualified_at == NOW
        still = uow.session.get(Artisan, learning_id)
        assert still is not None
        assert still.status is ArtisanStatus.MENTORED
        commission = ledger.commissions(uow.session, mentor_id, "KES")
    assert commission.amount > 0

    assert texts(uow_factory, ready_user) == [
        "Congratulations, Wanjiru! You now run your shop on your own. Keep listing your best "
        "pieces."
    ]
    assert texts(uow_factory, seasoned_user) == [
        "Well done, Grace! You have shipped many orders. You can now become a mentor and invite "
        "new artisans. Send menu and choose “Become a mentor”."
    ]
    qualified, digest = texts(uow_factory, mentor_user)
    assert qualified == (
        "Hongera! Wanjiru (Wanjiru's beads) amefuzu: sasa anauza peke yake. Asante kwa kumwongoza."
    )
    # Two sales of the same price earned her commission: Wanjiru's weeks ago, Achieng's now.
    week, total = Money(commission.amount // 2, "KES").format("sw"), commission.format("sw")
    lines = digest.splitlines()
    assert lines[0] == "Wiki yako kama mlezi, Mama Amina:"
    assert lines[1].startswith("1. Wanjiru (Wanjiru's beads): ")
    assert lines[1].endswith("; vilivyouzwa wiki hii: 0")
    assert lines[2].startswith("2. Achieng (Achieng's beads): ")
    assert lines[2] == (
        "2. Achieng (Achieng's beads): bidhaa zilizoidhinishwa 1/2, oda 0/1; "
        "vilivyouzwa wiki hii: 1"
    )
    assert lines[3] == f"Kamisheni zako wiki hii: {week} (salio: {total})."

    # The next Monday: a new digest, nobody promoted or offered twice.
    assert run(uow_factory, timedelta(days=7)) == ([], [], [mentor_id])
    next_week = texts(uow_factory, mentor_user)[-1].splitlines()
    zero = Money(0, "KES").format("sw")
    assert next_week[2].endswith("; vilivyouzwa wiki hii: 0")
    assert next_week[3] == f"Kamisheni zako wiki hii: {zero} (salio: {total})."


def test_a_mentor_without_recruits_gets_no_digest(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        mentor = make_artisan(uow.session, "Lonely", status=ArtisanStatus.INDEPENDENT)
        uow.session.add(UserRole(user_id=mentor.user_id, role=Role.MENTOR))
        uow.commit()
        user_id = mentor.user_id
    assert run(uow_factory) == ([], [], [])
    assert texts(uow_factory, user_id) == []


def test_an_offer_made_when_she_shipped_is_not_made_again(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        seller = make_artisan(uow.session, "Grace", locale="en", status=ArtisanStatus.INDEPENDENT)
        for _ in range(2):
            sell(uow.session, seller, LineStatus.SHIPPED, paid_ago=timedelta(days=3))
        uow.commit()
        seller_id, user_id = seller.id, seller.user_id
    with uow_factory() as uow:
        found = uow.session.get(Artisan, seller_id)
        assert found is not None
        assert offer_mentorship(uow.session, found, NOW)  # as shipping her second order did
        uow.commit()
    assert run(uow_factory) == ([], [], [])
    assert len(texts(uow_factory, user_id)) == 1


def test_a_seller_who_opened_her_shop_without_a_code_is_offered_mentorship_too(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        neema = make_user(s, "Neema", locale="en")
        shop = people.register_artisan(
            s,
            neema.id,
            shop_name="Neema Crafts",
            location="Gikomba",
            story="",
            mpesa_phone="0722 000 555",
            referral_code=None,
            now=NOW - timedelta(days=60),
        ).artisan
        for _ in range(2):
            sell(s, shop, LineStatus.DELIVERED, paid_ago=timedelta(days=30))
        uow.commit()
        shop_id, user_id = shop.id, neema.id
    _, offered, _ = run(uow_factory)
    assert offered == [shop_id]
    assert any("You can now become a mentor" in text for text in texts(uow_factory, user_id))


def test_a_mentor_who_stopped_is_not_told_about_her_recruits_until_she_is_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor = make_artisan(s, "Mama Amina", locale="en", status=ArtisanStatus.INDEPENDENT)
        ready = make_artisan(s, "Wanjiru", mentor=mentor, locale="en")
        make_product(s, ready)
        sell(s, ready, LineStatus.SHIPPED, paid_ago=timedelta(days=20))
        roles.revoke(s, Actor.operator(), mentor.user_id, Role.MENTOR, NOW)
        uow.commit()
        mentor_user, ready_id, ready_user = mentor.user_id, ready.id, ready.user_id
    told_before = texts(uow_factory, mentor_user)
    assert run(uow_factory) == ([ready_id], [], [])  # she qualifies all the same
    assert texts(uow_factory, ready_user)[-1].startswith("Congratulations, Wanjiru!")
    assert texts(uow_factory, mentor_user) == told_before  # no "thank you for guiding her"
