"""Finding people: by any of their numbers or by shop name, and what there is to know about
someone (her numbers, roles and shop) for the People menu and `soko admin`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models import Artisan, Channel, Identity, User, UserRole
from store.services.account_merge import user_with_phone
from store.services.people import InvalidPhone, artisan_for_user, normalize_phone

SHOP_SEARCH_LIMIT = 10


def find_person(session: Session, phone_text: str, *, default_region: str = "KE") -> User | None:
    """The person known by this number, in any form phonenumbers reads ("0712 345 678",
    "+254712345678", "254712345678"): her own phone, a WhatsApp number she writes from, or
    her shop's M-Pesa number, in that order. Raises `InvalidPhone` for anything else."""
    phone = normalize_phone(phone_text, default_region)
    if phone is None:
        raise InvalidPhone(phone_text)
    return user_verified_by(session, phone) or _by_mpesa(session, phone)


def user_verified_by(session: Session, phone: str) -> User | None:
    """The person an E.164 number is proven to be hers: her phone (a WhatsApp number, or her
    own contact shared on Telegram), or the WhatsApp number of someone whose phone is not
    recorded yet (she writes from it: it is recorded at her next message)."""
    user = user_with_phone(session, phone)
    if user is not None:
        return user
    return session.scalars(
        select(User)
        .join(Identity, Identity.user_id == User.id)
        .where(Identity.channel == Channel.WHATSAPP, Identity.platform_user_id == phone)
        .order_by(User.id)
        .limit(1)
    ).one_or_none()


def _by_mpesa(session: Session, phone: str) -> User | None:
    return session.scalars(
        select(User)
        .join(Artisan, Artisan.user_id == User.id)
        .where(Artisan.mpesa_phone == phone)
        .order_by(User.id)
        .limit(1)
    ).one_or_none()


def find_shops(session: Session, words: str, *, limit: int = SHOP_SEARCH_LIMIT) -> list[Artisan]:
    """Shops whose name holds `words` (any case), by name."""
    wanted = " ".join(words.split()).lower()
    if not wanted:
        return []
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.scalars(
            select(Artisan)
            .where(func.lower(Artisan.shop_name).like(pattern, escape="\\"))
            .order_by(Artisan.shop_name, Artisan.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class PersonCard:
    """Someone as a community manager sees her."""

    user: User
    phones: tuple[str, ...]  # her phone first, then WhatsApp numbers she writes from
    roles: tuple[UserRole, ...]
    shop: Artisan | None

    @property
    def name(self) -> str:
        if self.user.display_name.strip():
            return self.user.display_name.strip()
        return self.shop.shop_name if self.shop is not None else ""


def person_card(session: Session, user_id: int) -> PersonCard:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    phones = [user.phone] if user.phone else []
    for identity in user.identities:
        if identity.channel is Channel.WHATSAPP and identity.platform_user_id not in phones:
            phones.append(identity.platform_user_id)
    return PersonCard(
        user=user,
        phones=tuple(phones),
        roles=tuple(sorted(user.roles, key=lambda r: r.role.value)),
        shop=artisan_for_user(session, user.id),
    )
