"""People: channel identities → users, phones, roles, locales, and artisan registration.

One person may write from WhatsApp and Telegram. Each channel account is an ``Identity``;
when the same phone number turns up on two users, ``link_phone`` merges them into the
older account.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import phonenumbers
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import dialect_insert
from store.errors import NotFound, StoreError
from store.models import (
    Artisan,
    ArtisanStatus,
    Channel,
    Identity,
    Role,
    User,
    UserRole,
)
from store.savepoints import add_unless_taken
from store.services import permissions, referrals
from store.services.account_merge import AccountConflict as AccountConflict
from store.services.account_merge import merge_users, user_with_phone
from store.services.audit import Actor
from store.services.public_place import public_place
from store.text import clean_display, clean_line

SUPPORTED_LOCALES = ("en", "sw")
SHOP_NAME_LENGTH = (2, 80)
LOCATION_LENGTH = (2, 120)
STORY_MAX_LENGTH = 2000
_SLUG_MAX_LENGTH = 90  # leaves room for a "-123" suffix within the column's 100
_SLUG_ATTEMPTS = 5
_BEFORE_PREFIX = " (\t\u00a0"  # what may come before "00" in a typed number


class InvalidPhone(StoreError):
    def __init__(self, text: str) -> None:
        super().__init__(f"not a valid phone number: {text!r}")
        self.text = text


class UnsupportedLocale(StoreError):
    def __init__(self, locale: str) -> None:
        super().__init__(f"unsupported locale {locale!r}")
        self.locale = locale


class AlreadyRegistered(StoreError):
    def __init__(self, user_id: int, artisan_id: int) -> None:
        super().__init__(f"user {user_id} already has the shop {artisan_id}")
        self.user_id = user_id
        self.artisan_id = artisan_id


class InvalidRegistration(StoreError):
    """A registration field is refused; ``reason``: too_short, too_long, not_kenyan_mobile,
    not_an_area (a pin or a map link typed as the place)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Registration:
    """A new shop. ``referral`` is None when no code was given; a refused code (unknown,
    inactive, self-referral…) does not stop the registration — the shop simply has no
    mentor, and the conversation tells her why from ``referral.outcome``. A shop without a
    mentor is independent from the start (qualified when it opened): nobody is there to
    guide it, and it is offered mentorship at the threshold like any independent seller."""

    artisan: Artisan
    referral: referrals.Attribution | None

    @property
    def referral_refused(self) -> bool:
        return self.referral is not None and not self.referral.attributed


# --- phones and locales -------------------------------------------------------------------


def normalize_phone(text: str, default_region: str = "KE") -> str | None:
    """E.164 for a valid number ("0712 345 678" → "+254712345678"), else None."""
    parsed = _parse_phone(text, default_region)
    if parsed is None:
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def is_kenyan_mobile(text: str) -> bool:
    parsed = _parse_phone(text, "KE")
    return (
        parsed is not None
        and phonenumbers.region_code_for_number(parsed) == "KE"
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    )


def mobile_number(text: str, region: str) -> str | None:
    """E.164 for a valid mobile number of `region` ("٠٧١٢ ٣٤٥ ٦٧٨", "+254 712…" for KE),
    else None: a number a mobile-money prompt can reach."""
    parsed = _parse_phone(text, region)
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if (
        parsed is None
        or phonenumbers.region_code_for_number(parsed) != region
        or phonenumbers.number_type(parsed) not in mobile
    ):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def example_mobile(region: str) -> str:
    """A mobile number of `region` as people there write it ("0712 123456" in Kenya)."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ""
    return str(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL))


def _parse_phone(text: str, default_region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(_international_prefix(text.strip()), default_region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def _international_prefix(text: str) -> str:
    """ "00" read as "+" ("00254 712 …", "(0049) 151 …", in any script's digits): most of the
    world dials abroad with it, while phonenumbers reads it so only for regions whose own
    prefix it is (Kenya's is "000", which it reads as such)."""
    start = len(text) - len(text.lstrip(_BEFORE_PREFIX))
    zeros = [unicodedata.digit(c, None) for c in text[start : start + 3]]
    if zeros[:2] == [0, 0] and zeros[2:] != [0]:
        return text[:start] + "+" + text[start + 2 :]
    return text


def set_locale(session: Session, user_id: int, locale: str) -> User:
    if locale not in SUPPORTED_LOCALES:
        raise UnsupportedLocale(locale)
    user = _get_user(session, user_id)
    user.locale = locale
    session.flush()
    return user


# --- identities ---------------------------------------------------------------------------


def user_for_identity(session: Session, channel: Channel, platform_user_id: str) -> User | None:
    return session.scalars(
        select(User)
        .join(Identity, Identity.user_id == User.id)
        .where(Identity.channel == channel, Identity.platform_user_id == platform_user_id)
    ).one_or_none()


def _identity(session: Session, channel: Channel, platform_user_id: str) -> Identity | None:
    return session.scalars(
        select(Identity).where(
            Identity.channel == channel, Identity.platform_user_id == platform_user_id
        )
    ).one_or_none()


def find_or_create_user(
    session: Session,
    channel: Channel,
    platform_user_id: str,
    *,
    profile_name: str = "",
    locale: str = "en",
    now: datetime,
) -> tuple[User, bool]:
    """The user behind a channel account, created on first contact, speaking `locale` (the
    caller chose it: `conversations.i18n.choose_locale`). Returns (user, created)."""
    profile_name = profile_name.strip()[:120]
    identity = _identity(session, channel, platform_user_id)
    if identity is not None:
        if profile_name and identity.profile_name != profile_name:
            identity.profile_name = profile_name
            session.flush()
        return identity.user, False
    return create_user_for_identity(
        session, channel, platform_user_id, profile_name=profile_name, locale=locale, now=now
    )


_IDENTITIES = cast(Table, Identity.__table__)


def create_user_for_identity(
    session: Session,
    channel: Channel,
    platform_user_id: str,
    *,
    profile_name: str = "",
    locale: str = "en",
    now: datetime,
    wrote_at: datetime | None = None,
) -> tuple[User, bool]:
    """A new user behind a channel account the caller found nobody behind, speaking `locale`;
    `wrote_at`: when she wrote from it (her latest message). Returns (user, created).

    Two first messages racing from the same account both end up with the one user: the
    loser's identity insert finds the key taken (ON CONFLICT DO NOTHING, which waits for the
    winner's transaction to end) and its new user is deleted, the winner's returned. No
    savepoint: on PostgreSQL one costs two round trips more, for a race that almost never
    happens.
    """
    profile_name = profile_name.strip()[:120]
    user = User(display_name=profile_name, locale=locale, created_at=now)
    session.add(user)
    session.flush()
    insert = dialect_insert(session.get_bind().dialect.name)(_IDENTITIES)
    identity_id = session.execute(
        insert.values(
            user_id=user.id,
            channel=channel,
            platform_user_id=platform_user_id,
            profile_name=profile_name,
            last_inbound_at=wrote_at,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(_IDENTITIES.c.id)
    ).scalar_one_or_none()
    if identity_id is not None:
        return user, True
    session.delete(user)
    session.flush()
    existing = user_for_identity(session, channel, platform_user_id)
    if existing is None:  # the key was taken by a row no longer there: not a race we know
        raise LookupError(f"no user behind the {channel} identity that was taken")
    return existing, False


# --- roles --------------------------------------------------------------------------------


def grant_role(
    session: Session, user_id: int, role: Role, *, acting_user_id: int | None = None
) -> bool:
    """Give ``role``; True if it was new. ``acting_user_id`` None means the operator (CLI);
    otherwise that user must be a community manager. Unaudited, for setting a shop up (tests,
    the demo): a decision someone makes goes through `store.services.roles`, which records
    it and applies who may appoint whom."""
    _require_manager(session, acting_user_id, f"grant {role.value}")
    user = _get_user(session, user_id)
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role))
    session.flush()
    return True


def revoke_role(
    session: Session, user_id: int, role: Role, *, acting_user_id: int | None = None
) -> bool:
    """Take ``role`` away; True if she had it. Same permission rule as ``grant_role``."""
    _require_manager(session, acting_user_id, f"revoke {role.value}")
    user = _get_user(session, user_id)
    held = [r for r in user.roles if r.role == role]
    for row in held:
        user.roles.remove(row)
    session.flush()
    return bool(held)


def _require_manager(session: Session, acting_user_id: int | None, action: str) -> None:
    actor = Actor.operator() if acting_user_id is None else Actor.user(acting_user_id)
    permissions.require_manager(session, actor, action)


# --- one person, two channels -------------------------------------------------------------


def link_phone(session: Session, user_id: int, phone_e164: str) -> User:
    """Record the user's phone; if another user already has it, merge the two.

    Returns the surviving user, which is the *older* account and so may not be
    ``user_id``. Identities, roles (union), an artisan profile, orders, the cart and every
    other reference move to it; the newer user row is deleted. Raises ``AccountConflict``
    when both accounts have a shop, ``InvalidPhone`` for a bad number.
    """
    phone = normalize_phone(phone_e164)
    if phone is None or phone != phone_e164:
        raise InvalidPhone(phone_e164)
    user = _get_user(session, user_id)
    if user.phone == phone:
        return user
    other = user_with_phone(session, phone)
    if other is None:
        try:
            with session.begin_nested():
                user.phone = phone
                session.flush()
            return user
        except IntegrityError:  # someone else linked the phone meanwhile
            other = user_with_phone(session, phone)
            if other is None:
                raise
    return merge_users(session, user, other, phone)


# --- artisans -----------------------------------------------------------------------------


def register_artisan(
    session: Session,
    user_id: int,
    *,
    shop_name: str,
    location: str,
    story: str,
    mpesa_phone: str,
    referral_code: str | None,
    now: datetime,
    pin: tuple[float, float] | None = None,
) -> Registration:
    """Open a shop for ``user_id`` and make her an artisan; see ``Registration``.

    ``location`` is the area buyers see (never a pin or a map link); ``pin`` the (latitude,
    longitude) she shared, kept privately.

    Raises ``InvalidRegistration`` (field + reason), ``AlreadyRegistered``, ``NotFound``.
    """
    user = _get_user(session, user_id)
    existing = session.scalar(select(Artisan.id).where(Artisan.user_id == user_id))
    if existing is not None:
        raise AlreadyRegistered(user_id, existing)
    shop_name = _checked_text("shop_name", shop_name, *SHOP_NAME_LENGTH)
    location = checked_place(location)
    story = _checked_text("story", story, 0, STORY_MAX_LENGTH)
    if not is_kenyan_mobile(mpesa_phone):
        raise InvalidRegistration("mpesa_phone", "not_kenyan_mobile")
    mpesa = normalize_phone(mpesa_phone)

    artisan = _insert_with_unique_slug(
        session,
        user_id,
        lambda slug: Artisan(
            user_id=user_id,
            shop_name=shop_name,
            slug=slug,
            location=location,
            pin_latitude=pin[0] if pin else None,
            pin_longitude=pin[1] if pin else None,
            story=story,
            mpesa_phone=mpesa,
            created_at=now,
        ),
        base=slugify(shop_name),
    )
    if not user.has_role(Role.ARTISAN):
        user.roles.append(UserRole(role=Role.ARTISAN, granted_at=now))
        session.flush()
    attribution = None
    if referral_code is not None and referral_code.strip():
        attribution = referrals.attribute(session, artisan.id, referral_code, now)
    if attribution is None or not attribution.attributed:
        artisan.status = ArtisanStatus.INDEPENDENT
        artisan.qualified_at = now
        session.flush()
    return Registration(artisan=artisan, referral=attribution)


def set_place(session: Session, artisan_id: int, location: str) -> Artisan:
    """Set the area buyers see for her shop. Raises ``InvalidRegistration``, ``NotFound``."""
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        raise NotFound("artisan", artisan_id)
    artisan.location = checked_place(location)
    session.flush()
    return artisan


def set_story(session: Session, artisan_id: int, story: str) -> Artisan:
    """Set the story buyers read on her shop's page. Raises ``InvalidRegistration``,
    ``NotFound``."""
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        raise NotFound("artisan", artisan_id)
    artisan.story = _checked_text("story", story, 0, STORY_MAX_LENGTH)
    session.flush()
    return artisan


def checked_place(location: str) -> str:
    """The area as buyers will see it, cleaned; a pin or a map link is refused (``not_an_area``):
    pages never publish those."""
    cleaned = _checked_text("location", location, *LOCATION_LENGTH)
    if not public_place(cleaned):
        raise InvalidRegistration("location", "not_an_area")
    return cleaned


def slugify(text: str) -> str:
    """ASCII-folded, lower-case, hyphenated: "Wanjiku's Shanga Café" → "wanjikus-shanga-cafe"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"['’]", "", folded.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:_SLUG_MAX_LENGTH].strip("-")
    return slug or "shop"


def _insert_with_unique_slug(
    session: Session, user_id: int, build: Callable[[str], Artisan], *, base: str
) -> Artisan:
    for _ in range(_SLUG_ATTEMPTS):
        artisan = build(_free_slug(session, base))
        if add_unless_taken(session, artisan):
            return artisan
        taken = session.scalar(select(Artisan.id).where(Artisan.user_id == user_id))
        if taken is not None:
            raise AlreadyRegistered(user_id, taken)
    raise StoreError(f"no free shop slug for {base!r}")


def _free_slug(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(Artisan.slug).where((Artisan.slug == base) | Artisan.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _checked_text(field: str, value: str, minimum: int, maximum: int) -> str:
    # What others read under her name: no bidi controls to make it read as something else.
    cleaned = clean_line(value) if field != "story" else clean_display(value)
    if len(cleaned) < minimum:
        raise InvalidRegistration(field, "too_short")
    if len(cleaned) > maximum:
        raise InvalidRegistration(field, "too_long")
    return cleaned


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def artisan_for_user(session: Session, user_id: int) -> Artisan | None:
    return session.scalars(select(Artisan).where(Artisan.user_id == user_id)).one_or_none()
