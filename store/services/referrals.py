"""Referrals: mentors' codes, attribution of new artisans, and progress to qualification.

Codes are six characters read aloud over the phone, so the alphabet leaves out 0/O, 1/I/L.
They are stored bare ("KQ7M2X"), shown grouped ("KQ7-M2X"), and typed any way
("kq7 m2x", "KQ7-M2X", "k q 7 m 2 x"). A look-alike she types anyway (an O, a 1, an L: a code
misheard or misread) cannot be in any code, and stands for the character she could not
tell: `active_code` finds the one active code that fits the rest.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.orm import Session

from store.errors import NotFound, StoreError
from store.models import (
    Artisan,
    ArtisanStatus,
    LineStatus,
    OrderLine,
    Product,
    ProductStatus,
    ReferralCode,
    Role,
    User,
    UserRole,
)
from store.rowcount import rows_matched
from store.savepoints import add_unless_taken

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
LOOK_ALIKES = "0O1IL"  # left out of the alphabet; typed, each stands for one unknown character
_MAX_LOOK_ALIKES = 2  # the other four characters must match: 31⁴ codes, never two at once
_CODE_ATTEMPTS = 10
_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_FULFILLED = (LineStatus.SHIPPED, LineStatus.DELIVERED)


class NotAMentor(StoreError):
    def __init__(self, artisan_id: int) -> None:
        super().__init__(f"artisan {artisan_id} is not a mentor")
        self.artisan_id = artisan_id


class NotEligible(StoreError):
    """``make_mentor`` for an artisan below the experience threshold."""

    def __init__(self, artisan_id: int, fulfilled_orders: int, required: int) -> None:
        super().__init__(
            f"artisan {artisan_id} has {fulfilled_orders} fulfilled orders, needs {required}"
        )
        self.artisan_id = artisan_id
        self.fulfilled_orders = fulfilled_orders
        self.required = required


class AttributionOutcome(StrEnum):
    ATTRIBUTED = "attributed"
    UNKNOWN_CODE = "unknown_code"
    INACTIVE_CODE = "inactive_code"  # deactivated, or its mentor is no longer a mentor
    SELF_REFERRAL = "self_referral"  # same user, same phone or same M-Pesa number
    ALREADY_HAS_MENTOR = "already_has_mentor"
    NOT_NEW = "not_new"  # she already listed or qualified: attribution is for newcomers


@dataclass(frozen=True, slots=True)
class Attribution:
    outcome: AttributionOutcome
    mentor_id: int | None = None

    @property
    def attributed(self) -> bool:
        return self.outcome is AttributionOutcome.ATTRIBUTED


@dataclass(frozen=True, slots=True)
class QualificationRules:
    min_approved_listings: int = 3
    min_fulfilled_orders: int = 1


@dataclass(frozen=True, slots=True)
class MentorThreshold:
    min_fulfilled_orders: int = 10
    require_independent: bool = True


@dataclass(frozen=True, slots=True)
class Progress:
    approved_listings: int
    fulfilled_orders: int
    missing_listings: int
    missing_orders: int
    qualified_at: datetime | None = None

    @property
    def qualified(self) -> bool:
        """Meets the rules now (or was qualified before)."""
        done = self.missing_listings == 0 and self.missing_orders == 0
        return done or self.qualified_at is not None


@dataclass(frozen=True, slots=True)
class Recruit:
    artisan: Artisan
    progress: Progress = field(compare=False)


# --- codes --------------------------------------------------------------------------------


def normalize_code(text: str) -> str | None:
    """The stored form of a typed code ("kq7 m2x", "KQ7-M2X" → "KQ7M2X"), or None."""
    bare = _SEPARATORS.sub("", text.strip()).upper()
    if len(bare) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in bare):
        return None
    return bare


def typed_code(text: str) -> str | None:
    """Six characters of the alphabet or look-alikes, any case and separators ("kq0 m2x" →
    "KQ0M2X"), else None."""
    bare = _SEPARATORS.sub("", text.strip()).upper()
    if len(bare) != CODE_LENGTH or any(c not in CODE_ALPHABET + LOOK_ALIKES for c in bare):
        return None
    return bare


def active_code(session: Session, text: str) -> str | None:
    """The active code `text` names, or None: typed any way (`typed_code`), with at most
    `_MAX_LOOK_ALIKES` look-alikes, each matching any character where exactly one active
    code fits ("KQ0-M2X" → "KQ7M2X" when no other active code is "KQ?M2X")."""
    typed = typed_code(text)
    if typed is None:
        return None
    unsure = sum(c in LOOK_ALIKES for c in typed)
    if unsure == 0:
        return session.scalar(
            select(ReferralCode.code).where(
                ReferralCode.code == typed, ReferralCode.active.is_(True)
            )
        )
    if unsure > _MAX_LOOK_ALIKES:
        return None
    pattern = "".join("_" if c in LOOK_ALIKES else c for c in typed)
    fits = session.scalars(
        select(ReferralCode.code)
        .where(ReferralCode.code.like(pattern), ReferralCode.active.is_(True))
        .limit(2)
    ).all()
    return fits[0] if len(fits) == 1 else None


def format_code(code: str) -> str:
    """Grouped for reading aloud: "KQ7M2X" → "KQ7-M2X"."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def generate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_code(session: Session, mentor_artisan_id: int) -> ReferralCode:
    """A new active code for a mentor; raises ``NotAMentor``."""
    mentor = _get_artisan(session, mentor_artisan_id)
    if not _is_active_mentor(session, mentor):
        raise NotAMentor(mentor_artisan_id)
    for _ in range(_CODE_ATTEMPTS):
        code = ReferralCode(code=generate_code(), mentor_id=mentor.id, active=True)
        if add_unless_taken(session, code):
            return code
        # Taken: 31^6 ≈ 887 million codes, so a retry almost always wins.
    raise StoreError("could not find a free referral code")


def deactivate_code(session: Session, mentor_artisan_id: int, code: str) -> bool:
    """A mentor retires one of her codes; True if it was active and hers."""
    bare = normalize_code(code)
    if bare is None:
        return False
    result = session.execute(
        update(ReferralCode)
        .where(
            ReferralCode.code == bare,
            ReferralCode.mentor_id == mentor_artisan_id,
            ReferralCode.active.is_(True),
        )
        .values(active=False)
    )
    return bool(rows_matched(result))


def active_codes(session: Session, mentor_artisan_id: int) -> list[ReferralCode]:
    return list(
        session.scalars(
            select(ReferralCode)
            .where(ReferralCode.mentor_id == mentor_artisan_id, ReferralCode.active.is_(True))
            .order_by(ReferralCode.id)
        )
    )


# --- attribution --------------------------------------------------------------------------


def attribute(session: Session, recruit_artisan_id: int, code: str, now: datetime) -> Attribution:
    """Give a newly registered artisan the mentor behind ``code``, or say why not.

    Only a newcomer can be attributed (no mentor yet, nothing listed, not qualified), so a
    mentor cannot claim an established seller. Never raises for a bad code.
    """
    recruit = _get_artisan(session, recruit_artisan_id)
    bare = normalize_code(code)
    row = (
        None
        if bare is None
        else session.scalars(select(ReferralCode).where(ReferralCode.code == bare)).one_or_none()
    )
    if row is None:
        return Attribution(AttributionOutcome.UNKNOWN_CODE)
    mentor = _get_artisan(session, row.mentor_id)
    if not row.active or not _is_active_mentor(session, mentor):
        return Attribution(AttributionOutcome.INACTIVE_CODE, mentor.id)
    if _same_person(session, mentor, recruit):
        return Attribution(AttributionOutcome.SELF_REFERRAL, mentor.id)
    if recruit.mentor_id is not None:
        return Attribution(AttributionOutcome.ALREADY_HAS_MENTOR, recruit.mentor_id)
    if not _is_newcomer(session, recruit):
        return Attribution(AttributionOutcome.NOT_NEW, mentor.id)
    # Conditional update: two racing attributions cannot both win.
    result = session.execute(
        update(Artisan)
        .where(Artisan.id == recruit.id, Artisan.mentor_id.is_(None))
        .values(mentor_id=mentor.id, referral_code=row.code)
        .execution_options(synchronize_session=False)
    )
    session.refresh(recruit)
    if not rows_matched(result):
        return Attribution(AttributionOutcome.ALREADY_HAS_MENTOR, recruit.mentor_id)
    return Attribution(AttributionOutcome.ATTRIBUTED, mentor.id)


def _same_person(session: Session, mentor: Artisan, recruit: Artisan) -> bool:
    if mentor.user_id == recruit.user_id:
        return True
    rows = session.execute(
        select(User.id, User.phone).where(User.id.in_((mentor.user_id, recruit.user_id)))
    )
    phones = dict(rows.all())
    mentor_numbers = {phones.get(mentor.user_id), mentor.mpesa_phone} - {None}
    recruit_numbers = {phones.get(recruit.user_id), recruit.mpesa_phone} - {None}
    return bool(mentor_numbers & recruit_numbers)


def _is_newcomer(session: Session, recruit: Artisan) -> bool:
    if recruit.qualified_at is not None or recruit.status != ArtisanStatus.MENTORED:
        return False
    has_products = session.scalar(select(exists().where(Product.artisan_id == recruit.id)))
    return not has_products


# --- progress and qualification -----------------------------------------------------------


def approved_listings(session: Session, artisan_id: int) -> int:
    """Products ever approved and not rejected since (sold out or archived still count)."""
    return (
        session.scalar(
            select(func.count()).where(
                Product.artisan_id == artisan_id,
                Product.approved_at.is_not(None),
                Product.status != ProductStatus.REJECTED,
            )
        )
        or 0
    )


def fulfilled_orders(session: Session, artisan_id: int) -> int:
    """Distinct orders in which one of her lines was shipped or delivered."""
    return (
        session.scalar(
            select(func.count(func.distinct(OrderLine.order_id))).where(
                OrderLine.artisan_id == artisan_id, OrderLine.status.in_(_FULFILLED)
            )
        )
        or 0
    )


def progress(
    session: Session, recruit_artisan_id: int, rules: QualificationRules | None = None
) -> Progress:
    rules = rules or QualificationRules()
    recruit = _get_artisan(session, recruit_artisan_id)
    listings = approved_listings(session, recruit.id)
    orders = fulfilled_orders(session, recruit.id)
    return Progress(
        approved_listings=listings,
        fulfilled_orders=orders,
        missing_listings=max(0, rules.min_approved_listings - listings),
        missing_orders=max(0, rules.min_fulfilled_orders - orders),
        qualified_at=recruit.qualified_at,
    )


def qualify_if_ready(
    session: Session, recruit_artisan_id: int, rules: QualificationRules, now: datetime
) -> bool:
    """Mark her independent once she meets the rules. True only for the call that did it,
    so the congratulations go out once; suspended artisans never qualify here."""
    current = progress(session, recruit_artisan_id, rules)
    if current.qualified_at is not None or current.missing_listings or current.missing_orders:
        return False
    result = session.execute(
        update(Artisan)
        .where(
            Artisan.id == recruit_artisan_id,
            Artisan.qualified_at.is_(None),
            Artisan.status == ArtisanStatus.MENTORED,
        )
        .values(qualified_at=now, status=ArtisanStatus.INDEPENDENT)
        .execution_options(synchronize_session=False)
    )
    session.refresh(_get_artisan(session, recruit_artisan_id))
    return bool(rows_matched(result))


# --- mentors ------------------------------------------------------------------------------


def mentor_eligible(
    session: Session, artisan_id: int, threshold: MentorThreshold | None = None
) -> bool:
    threshold = threshold or MentorThreshold()
    artisan = _get_artisan(session, artisan_id)
    if artisan.status == ArtisanStatus.SUSPENDED:
        return False
    if threshold.require_independent and artisan.status != ArtisanStatus.INDEPENDENT:
        return False
    return fulfilled_orders(session, artisan_id) >= threshold.min_fulfilled_orders


def make_mentor(
    session: Session,
    artisan_id: int,
    now: datetime,
    *,
    threshold: MentorThreshold | None = MentorThreshold(),
) -> ReferralCode:
    """Grant the mentor role, set ``mentor_since`` and return her first active code.

    ``threshold=None`` skips the eligibility check (a community manager's decision).
    Idempotent: an existing mentor gets her current code back.
    """
    artisan = _get_artisan(session, artisan_id)
    if threshold is not None and not mentor_eligible(session, artisan_id, threshold):
        raise NotEligible(
            artisan_id, fulfilled_orders(session, artisan_id), threshold.min_fulfilled_orders
        )
    if not artisan.user.has_role(Role.MENTOR):
        artisan.user.roles.append(UserRole(role=Role.MENTOR, granted_at=now))
    if artisan.mentor_since is None:
        artisan.mentor_since = now
    session.flush()
    codes = active_codes(session, artisan_id)
    return codes[0] if codes else create_code(session, artisan_id)


def recruits(
    session: Session, mentor_artisan_id: int, rules: QualificationRules | None = None
) -> list[Recruit]:
    """Her recruits, oldest first, each with their progress."""
    rows = session.scalars(
        select(Artisan).where(Artisan.mentor_id == mentor_artisan_id).order_by(Artisan.id)
    ).all()
    return [Recruit(artisan=a, progress=progress(session, a.id, rules)) for a in rows]


def mentoring_now(mentor: Any = Artisan) -> ColumnElement[bool]:
    """SQL: this shop (`Artisan`, or an alias of it) mentors now: its owner holds the mentor
    role and it is not suspended. Only such a mentor takes new recruits, has her codes
    work, is told about her recruits and earns a commission on their new orders
    (`orders.place_order`); a recruit keeps her mentor meanwhile, so that it all comes back
    when the mentor does."""
    return and_(
        mentor.status != ArtisanStatus.SUSPENDED,
        exists().where(UserRole.user_id == mentor.user_id, UserRole.role == Role.MENTOR),
    )


def is_mentoring(session: Session, artisan_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Artisan.id == artisan_id, mentoring_now()))))


def _is_active_mentor(session: Session, artisan: Artisan) -> bool:
    return is_mentoring(session, artisan.id)


def _get_artisan(session: Session, artisan_id: int) -> Artisan:
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        raise NotFound("artisan", artisan_id)
    return artisan
