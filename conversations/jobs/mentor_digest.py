"""Monday morning for mentors: recruits who now qualify are promoted to independent, sellers who
reached the mentor threshold are offered mentorship, and each mentor gets her weekly digest —
every recruit's progress toward qualifying, her sales of the week, the mentor's commissions.

Promotions are conditional updates (`referrals.qualify_if_ready`), the offer is made once ever
and the digest once per ISO week (dedupe keys), so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.flows.mentor import recruit_line
from conversations.i18n import N_, Translator
from conversations.jobs.periods import WEEK, local_week
from conversations.messages import Outbound
from conversations.notify import mentors
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan, ArtisanStatus, Role, User, UserRole
from store.money import sum_money
from store.services import activity, ledger, referrals
from store.services.referrals import MentorThreshold, QualificationRules
from store.uow import UnitOfWorkFactory

DIGEST_HEAD = N_("Your week as a mentor, {name}:")
SOLD_THIS_WEEK = N_("sold this week: {pieces}")
COMMISSIONS_WEEK = N_("Your commissions this week: {week} (balance: {total}).")


@dataclass
class DigestRun:
    promoted: list[int] = field(default_factory=list)  # recruits now independent
    offered: list[int] = field(default_factory=list)  # sellers offered mentorship
    digests: list[int] = field(default_factory=list)  # mentors sent this week's digest


def weekly_mentor_digest(
    uow_factory: UnitOfWorkFactory,
    now: datetime,
    zone: ZoneInfo,
    *,
    rules: QualificationRules,
    threshold: MentorThreshold,
    currency: str,
) -> DigestRun:
    run = DigestRun()
    with uow_factory() as uow:
        session = uow.session
        run.promoted = _promote(session, rules, now)
        run.offered = _offer(session, threshold, now)
        week = local_week(now, zone)
        for mentor in _mentors(session):
            if _digest(session, mentor, rules, currency, now, week):
                run.digests.append(mentor.id)
        uow.commit()
    return run


def _promote(session: Session, rules: QualificationRules, now: datetime) -> list[int]:
    candidates = session.scalars(
        select(Artisan)
        .where(
            Artisan.mentor_id.is_not(None),
            Artisan.status == ArtisanStatus.MENTORED,
            Artisan.qualified_at.is_(None),
        )
        .order_by(Artisan.id)
    ).all()
    promoted = []
    for recruit in candidates:
        if referrals.qualify_if_ready(session, recruit.id, rules, now):
            mentors.recruit_promoted(session, recruit, now)
            promoted.append(recruit.id)
    return promoted


def _offer(session: Session, threshold: MentorThreshold, now: datetime) -> list[int]:
    is_mentor = select(UserRole.user_id).where(UserRole.role == Role.MENTOR)
    sellers = session.scalars(
        select(Artisan)
        .where(Artisan.status == ArtisanStatus.INDEPENDENT, Artisan.user_id.not_in(is_mentor))
        .order_by(Artisan.id)
    ).all()
    return [
        seller.id
        for seller in sellers
        if referrals.mentor_eligible(session, seller.id, threshold)
        and mentors.offer_mentorship(session, seller, now)
    ]


def _mentors(session: Session) -> list[Artisan]:
    return list(
        session.scalars(select(Artisan).where(referrals.mentoring_now()).order_by(Artisan.id))
    )


def _digest(
    session: Session,
    mentor: Artisan,
    rules: QualificationRules,
    currency: str,
    now: datetime,
    week: str,
) -> bool:
    """Queue this week's digest for a mentor with recruits; True if it was queued now."""
    key = f"digest:mentor:{mentor.id}:{week}"
    recruits = referrals.recruits(session, mentor.id, rules)
    if not recruits or outbox.already_queued(session, key):
        return False
    user = session.get(User, mentor.user_id)
    assert user is not None
    t = Translator(user.locale)
    sold = activity.pieces_sold(session, [r.artisan.id for r in recruits], now - WEEK, now)
    lines = [t._(DIGEST_HEAD).format(name=user.display_name.strip() or mentor.shop_name)]
    for n, recruit in enumerate(recruits, start=1):
        line = recruit_line(t, n, recruit, rules)
        pieces = sold.get(recruit.artisan.id, 0)
        lines.append(f"{line}; {t._(SOLD_THIS_WEEK).format(pieces=pieces)}")
    accounts = (ledger.mentor_account(mentor.id), ledger.pending_mentor_account(mentor.id))
    earned = sum_money(
        (activity.earned(session, account, currency, now - WEEK, now) for account in accounts),
        currency,
    )
    lines.append(
        t._(COMMISSIONS_WEEK).format(
            week=earned.format(t.locale),
            total=ledger.commissions(session, mentor.id, currency).format(t.locale),
        )
    )
    outbound = Outbound(text="\n".join(lines), template=UtilityTemplate.WEEKLY_SUMMARY)
    return outbox.notify(session, user.id, outbound, dedupe_key=key, now=now) is not None
