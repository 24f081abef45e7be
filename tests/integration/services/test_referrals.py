"""Referrals: mentors, their codes, attribution of newcomers, progress and qualification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import (
    Artisan,
    ArtisanStatus,
    LineStatus,
    ProductStatus,
    ReferralCode,
    Role,
    User,
)
from store.services import people, referrals
from store.services.referrals import (
    AttributionOutcome,
    MentorThreshold,
    NotAMentor,
    NotEligible,
    QualificationRules,
)
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RULES = QualificationRules(min_approved_listings=3, min_fulfilled_orders=1)


def _mentor(session: Session) -> tuple[Artisan, str]:
    mentor = make_artisan(session, status=ArtisanStatus.INDEPENDENT)
    code = referrals.make_mentor(session, mentor.id, NOW, threshold=None)
    return mentor, code.code


def _fulfil_orders(session: Session, artisan: Artisan, count: int) -> None:
    buyer = make_user(session)
    product = make_product(session, artisan, stock=count)
    for _ in range(count):
        make_paid_order(session, buyer, [(product, 1)], line_status=LineStatus.DELIVERED)


# --- mentors and codes --------------------------------------------------------------------


def test_make_mentor_grants_role_and_a_first_code(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        mentor, code = _mentor(uow.session)
        again = referrals.make_mentor(uow.session, mentor.id, NOW, threshold=None)
        uow.commit()
    assert again.code == code  # idempotent: her current code, not a new one
    with uow_factory() as uow:
        s = uow.session
        stored = s.get(Artisan, mentor.id)
        assert stored is not None
        assert stored.mentor_since == NOW
        assert stored.user.has_role(Role.MENTOR)
        rows = s.scalars(select(ReferralCode)).all()
        assert [(r.code, r.mentor_id, r.active) for r in rows] == [(code, mentor.id, True)]
        assert set(code) <= set(referrals.CODE_ALPHABET)


def _code(session: Session, mentor: Artisan, code: str, *, active: bool = True) -> None:
    session.add(ReferralCode(code=code, mentor_id=mentor.id, active=active))
    session.flush()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("KQMXAB", "KQMXAB"),
        ("kqm xab", "KQMXAB"),
        ("k q m x a b", "KQMXAB"),
        ("KQ7-M2X", "KQ7M2X"),
        ("KQ0-M2X", "KQ7M2X"),  # 0 for 7, read off a cracked screen: the one code that fits
        ("kqo m2x", "KQ7M2X"),
        ("IQ7 M2L", "KQ7M2X"),  # two look-alikes: still only one code fits
        ("H0RNB1", "HDRNBE"),
    ],
)
def test_the_active_code_she_meant_as_typed_or_heard(
    uow_factory: UnitOfWorkFactory, typed: str, meant: str
) -> None:
    with uow_factory() as uow:
        mentor = make_artisan(uow.session)
        for code in ("KQMXAB", "KQ7M2X", "HDRNBE"):
            _code(uow.session, mentor, code)
        assert referrals.active_code(uow.session, typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "SHANGA",  # six letters of the alphabet, nobody's code
        "KQ7M2Z",
        "KQ0M2Z",
        "HDRNB",
        "RETIRE",  # deactivated
        "ABC0E0",  # a look-alike where two active codes fit ("ABC2E2", "ABC3E2")
        "O1L0IX",  # too many look-alikes to know
        "KQ7-M2!",
        "",
    ],
)
def test_no_active_code_for_what_fits_none_or_several(
    uow_factory: UnitOfWorkFactory, typed: str
) -> None:
    with uow_factory() as uow:
        mentor = make_artisan(uow.session)
        for code in ("KQ7M2X", "HDRNBE", "ABC2E2", "ABC3E2", "XXXXXX"):
            _code(uow.session, mentor, code)
        _code(uow.session, mentor, "RETIRE", active=False)
        assert referrals.active_code(uow.session, typed) is None


def test_only_mentors_get_codes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        with pytest.raises(NotAMentor):
            referrals.create_code(s, artisan.id)
        mentor, first = _mentor(s)
        second = referrals.create_code(s, mentor.id)
        assert second.code != first
        assert [c.code for c in referrals.active_codes(s, mentor.id)] == [first, second.code]


def test_mentor_eligibility_needs_experience_and_independence(
    uow_factory: UnitOfWorkFactory,
) -> None:
    threshold = MentorThreshold(min_fulfilled_orders=3, require_independent=True)
    with uow_factory() as uow:
        s = uow.session
        seller = make_artisan(s)
        _fulfil_orders(s, seller, 3)
        assert not referrals.mentor_eligible(s, seller.id, threshold)  # still mentored
        lenient = MentorThreshold(min_fulfilled_orders=3, require_independent=False)
        assert referrals.mentor_eligible(s, seller.id, lenient)
        seller.status = ArtisanStatus.INDEPENDENT
        assert referrals.mentor_eligible(s, seller.id, threshold)
        strict = MentorThreshold(min_fulfilled_orders=4)
        assert not referrals.mentor_eligible(s, seller.id, strict)
        with pytest.raises(NotEligible) as raised:
            referrals.make_mentor(s, seller.id, NOW, threshold=strict)
        assert (raised.value.fulfilled_orders, raised.value.required) == (3, 4)
        assert referrals.make_mentor(s, seller.id, NOW, threshold=threshold).active
        seller.status = ArtisanStatus.SUSPENDED
        assert not referrals.mentor_eligible(s, seller.id, lenient)


# --- attribution --------------------------------------------------------------------------


def test_attribution_sets_mentor_once(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor, code = _mentor(s)
        _, other_code = _mentor(s)
        recruit = make_artisan(s)
        result = referrals.attribute(s, recruit.id, referrals.format_code(code), NOW)
        assert result.attributed
        assert (result.mentor_id, recruit.mentor_id, recruit.referral_code) == (
            mentor.id,
            mentor.id,
            code,
        )
        second = referrals.attribute(s, recruit.id, other_code, NOW)
        assert second.outcome is AttributionOutcome.ALREADY_HAS_MENTOR
        assert recruit.mentor_id == mentor.id


@pytest.mark.parametrize("code", ["ZZZ-ZZZ", "not a code", ""])
def test_unknown_codes_are_refused(uow_factory: UnitOfWorkFactory, code: str) -> None:
    with uow_factory() as uow:
        recruit = make_artisan(uow.session)
        result = referrals.attribute(uow.session, recruit.id, code, NOW)
        assert result.outcome is AttributionOutcome.UNKNOWN_CODE
        assert recruit.mentor_id is None


def test_inactive_codes_and_former_mentors_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor, code = _mentor(s)
        assert referrals.deactivate_code(s, mentor.id, code)
        recruit = make_artisan(s)
        result = referrals.attribute(s, recruit.id, code, NOW)
        assert result.outcome is AttributionOutcome.INACTIVE_CODE

        former, former_code = _mentor(s)
        people.revoke_role(s, former.user_id, Role.MENTOR)
        result = referrals.attribute(s, recruit.id, former_code, NOW)
        assert result.outcome is AttributionOutcome.INACTIVE_CODE
        assert recruit.mentor_id is None


def test_no_self_referral(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor, code = _mentor(s)
        mentor.status = ArtisanStatus.MENTORED  # even if she looked new
        assert referrals.attribute(s, mentor.id, code, NOW).outcome is (
            AttributionOutcome.SELF_REFERRAL
        )

        # A second account with the same M-Pesa number.
        twin = make_artisan(s)
        twin.mpesa_phone = mentor.mpesa_phone
        assert referrals.attribute(s, twin.id, code, NOW).outcome is (
            AttributionOutcome.SELF_REFERRAL
        )

        # The recruit's M-Pesa number is the mentor's own phone.
        mentor_user = s.get(User, mentor.user_id)
        assert mentor_user is not None
        mentor_user.phone = "+254799111222"
        sister = make_artisan(s)
        sister.mpesa_phone = "+254799111222"
        assert referrals.attribute(s, sister.id, code, NOW).outcome is (
            AttributionOutcome.SELF_REFERRAL
        )
        assert (twin.mentor_id, sister.mentor_id) == (None, None)


def test_established_sellers_cannot_be_claimed(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        _, code = _mentor(s)
        seller = make_artisan(s)
        make_product(s, seller)
        assert referrals.attribute(s, seller.id, code, NOW).outcome is AttributionOutcome.NOT_NEW
        qualified = make_artisan(s, status=ArtisanStatus.INDEPENDENT)
        assert referrals.attribute(s, qualified.id, code, NOW).outcome is (
            AttributionOutcome.NOT_NEW
        )
        assert (seller.mentor_id, qualified.mentor_id) == (None, None)


# --- progress and qualification -----------------------------------------------------------


def test_progress_counts_approved_listings_and_fulfilled_orders(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor, _ = _mentor(s)
        recruit = make_artisan(s, mentor=mentor)
        for status in (ProductStatus.ACTIVE, ProductStatus.SOLD_OUT):
            make_product(s, recruit, status=status)
        archived = make_product(s, recruit, status=ProductStatus.ARCHIVED)
        archived.approved_at = NOW  # approved once, archived later: still counts
        rejected = make_product(s, recruit, status=ProductStatus.REJECTED)
        rejected.approved_at = NOW  # approved, then rejected: does not count
        make_product(s, recruit, status=ProductStatus.PENDING_REVIEW)
        make_product(s, recruit, status=ProductStatus.DRAFT)
        s.flush()
        early = referrals.progress(s, recruit.id, RULES)
        assert (early.approved_listings, early.fulfilled_orders) == (3, 0)
        assert (early.missing_listings, early.missing_orders, early.qualified) == (0, 1, False)

        buyer = make_user(s)
        other = make_product(s, recruit, stock=5)
        # Two shipped lines of one order count once; a paid (unshipped) order not at all.
        make_paid_order(s, buyer, [(other, 1), (other, 1)], line_status=LineStatus.SHIPPED)
        make_paid_order(s, buyer, [(other, 1)], line_status=LineStatus.PAID)
        done = referrals.progress(s, recruit.id, RULES)
        assert (done.approved_listings, done.fulfilled_orders, done.qualified) == (4, 1, True)


def test_qualify_if_ready_flips_status_once(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor, _ = _mentor(s)
        recruit = make_artisan(s, mentor=mentor)
        assert not referrals.qualify_if_ready(s, recruit.id, RULES, NOW)
        for _ in range(2):
            make_product(s, recruit)
        _fulfil_orders(s, recruit, 1)  # its product is the third listing
        assert referrals.qualify_if_ready(s, recruit.id, RULES, NOW)
        assert not referrals.qualify_if_ready(s, recruit.id, RULES, NOW)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.session.get(Artisan, recruit.id)
        assert stored is not None
        assert (stored.status, stored.qualified_at) == (ArtisanStatus.INDEPENDENT, NOW)
        assert referrals.progress(uow.session, recruit.id, RULES).qualified


def test_suspended_artisans_do_not_qualify(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        recruit = make_artisan(s, status=ArtisanStatus.SUSPENDED)
        _fulfil_orders(s, recruit, 1)
        assert not referrals.qualify_if_ready(s, recruit.id, QualificationRules(1, 1), NOW)
        assert recruit.qualified_at is None


def test_recruits_lists_each_with_progress(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor, _ = _mentor(s)
        first = make_artisan(s, mentor=mentor)
        second = make_artisan(s, mentor=mentor)
        make_artisan(s)  # someone else's
        make_product(s, second)
        listed = referrals.recruits(s, mentor.id, RULES)
        assert [(r.artisan.id, r.progress.approved_listings) for r in listed] == [
            (first.id, 0),
            (second.id, 1),
        ]
