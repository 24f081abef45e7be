"""Finding people: by a number proven hers or by shop name, and what there is to know about
someone (her numbers, roles and shop) for the People menu and `soko admin`.

A number is hers when a channel vouched for it: she writes from it on WhatsApp, or shared it
as her own contact on Telegram. A shop's M-Pesa number is typed by the seller and never
checked, so it is shown as information (`shops_with_mpesa_number`) and never decides who
gets a role or who acts (`person_verified_by`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models import Artisan, Channel, Identity, User, UserRole
from store.services.account_merge import user_with_phone
from store.services.people import InvalidPhone, artisan_for_user, normalize_phone

SHOP_SEARCH_LIMIT = 10


def person_verified_by(
    session: Session, phone_text: str, *, default_region: str = "KE"
) -> User | None:
    """The person this number, in any form phonenumbers reads ("0712 345 678",
    "+254712345678", "00254 712 345 678"), is proven to be (`user_verified_by`): the one to
    give a role to, or to act as. Raises `InvalidPhone` for anything else."""
    return user_verified_by(session, _e164(phone_text, default_region))


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


def shops_with_mpesa_number(
    session: Session, phone_text: str, *, default_region: str = "KE", limit: int = 10
) -> list[Artisan]:
    """Shops that gave this number as their M-Pesa number, oldest first. Information only:
    a seller types it freely and nobody checks it, so it never says whose number it is (a
    role for the number goes to whoever it is verified for, `person_verified_by`)."""
    phone = _e164(phone_text, default_region)
    return list(
        session.scalars(
            select(Artisan).where(Artisan.mpesa_phone == phone).order_by(Artisan.id).limit(limit)
        )
    )


def _e164(phone_text: str, default_region: str) -> str:
    phone = normalize_phone(phone_text, default_region)
    if phone is None:
        raise InvalidPhone(phone_text)
    return phone


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
