"""Helpers for the artisan onboarding and mentor transcripts: seeded sellers (and mentors with
a code), and what was sent to a person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from conversations.outbox import outbound_of
from store.models import Artisan, ArtisanStatus, Identity, OutboxMessage, Role, UserRole
from store.services import referrals
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan
from tests.said import things_said

BOT_USERNAME = "SokoTestBot"
WHATSAPP_NUMBER = "+14155238886"


@dataclass(frozen=True)
class Seller:
    """A seeded artisan: ids, her console identity and (for mentors) her code."""

    artisan_id: int
    user_id: int
    platform_user_id: str
    code: str = ""


def seed_seller(
    uow_factory: UnitOfWorkFactory,
    name: str,
    *,
    locale: str = "sw",
    mentor: bool = False,
    status: ArtisanStatus = ArtisanStatus.INDEPENDENT,
) -> Seller:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, name, locale=locale, status=status)
        code = ""
        if mentor:
            artisan.user.roles.append(UserRole(role=Role.MENTOR))
            uow.session.flush()
            code = referrals.create_code(uow.session, artisan.id).code
        identity = uow.session.execute(
            select(Identity).where(Identity.user_id == artisan.user_id)
        ).scalar_one()
        seller = Seller(artisan.id, artisan.user_id, identity.platform_user_id, code)
        uow.commit()
    return seller


def messages_to(uow_factory: UnitOfWorkFactory, user_id: int) -> list[str]:
    """Everything queued for a person (replies and notifications), oldest first."""
    with uow_factory() as uow:
        rows = uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(OutboxMessage.id)
        ).scalars()
        return things_said(outbound_of(row) for row in rows)


def artisan_of(uow_factory: UnitOfWorkFactory, platform_user_id: str) -> Artisan | None:
    with uow_factory() as uow:
        artisan = uow.session.execute(
            select(Artisan)
            .join(Identity, Identity.user_id == Artisan.user_id)
            .where(Identity.platform_user_id == platform_user_id)
        ).scalar_one_or_none()
        uow.session.expunge_all()
        return artisan
