"""People: users, their channel identities and roles, artisans, referral codes."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.types import created_at, int_pk, maybe_timestamp, str_enum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    CONSOLE = "console"
    WEB = "web"


class Role(StrEnum):
    ARTISAN = "artisan"
    MENTOR = "mentor"
    COMMUNITY_MANAGER = "community_manager"
    # One of the shop's owners: her number is in ADMIN_PHONES. Only that setting gives it;
    # owners are community managers who may also appoint community managers.
    OWNER = "owner"


class RoleSource(StrEnum):
    """Where a role came from, so that taking a number out of ADMIN_PHONES takes away only
    what the setting gave."""

    GRANTED = "granted"  # a community manager, the operator, or the shop's own rules
    ADMIN_PHONES = "admin_phones"


class ArtisanStatus(StrEnum):
    MENTORED = "mentored"  # still learning with a mentor
    INDEPENDENT = "independent"  # qualified to run her shop alone
    SUSPENDED = "suspended"


class User(Base):
    __tablename__ = "users"
    # A user joined into another account is deleted while her id lives on in People cards
    # and open questions: SQLite must never give it to someone else (migration 0004).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int_pk]
    display_name: Mapped[str] = mapped_column(String(120), default="")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    nudges_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    identities: Mapped[list[Identity]] = relationship(back_populates="user")
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    artisan: Mapped[Artisan | None] = relationship(back_populates="user")

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)
    source: Mapped[RoleSource] = mapped_column(
        str_enum(RoleSource, "role_source"),
        default=RoleSource.GRANTED,
        server_default=RoleSource.GRANTED.value,
    )
    granted_at: Mapped[created_at]

    user: Mapped[User] = relationship(back_populates="roles")


class PromisedRole(Base):
    """A role promised to a phone number nobody is known by yet. Whoever gets that number
    (she writes from it on WhatsApp, or shares it as her own contact on Telegram) gets the
    role, and the promise is gone."""

    __tablename__ = "promised_roles"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)  # E.164
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)
    source: Mapped[RoleSource] = mapped_column(str_enum(RoleSource, "role_source"))
    # Who promised it (None: the operator, or ADMIN_PHONES as `source` says).
    promised_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]


class Identity(Base):
    """One account on one channel (a Telegram user id, a WhatsApp number) → one user."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "platform_user_id"),)

    id: Mapped[int_pk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    profile_name: Mapped[str] = mapped_column(String(120), default="")
    # WhatsApp's 24-hour customer-service window starts at the person's last message.
    last_inbound_at: Mapped[maybe_timestamp]
    unreachable_at: Mapped[maybe_timestamp]  # e.g. the person blocked the bot
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(back_populates="identities")


class Artisan(Base):
    __tablename__ = "artisans"
    __table_args__ = (
        CheckConstraint("mentor_id IS NULL OR mentor_id <> id", name="not_own_mentor"),
    )

    id: Mapped[int_pk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    shop_name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    location: Mapped[str] = mapped_column(String(120), default="")  # the area buyers see
    # The map pin she shared: private (her home or workshop), for community managers' visits.
    pin_latitude: Mapped[float | None] = mapped_column(Double)
    pin_longitude: Mapped[float | None] = mapped_column(Double)
    story: Mapped[str] = mapped_column(Text, default="")
    mpesa_phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    status: Mapped[ArtisanStatus] = mapped_column(
        str_enum(ArtisanStatus, "artisan_status"), default=ArtisanStatus.MENTORED
    )
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("artisans.id"), index=True)
    referral_code: Mapped[str | None] = mapped_column(String(16))  # the code she joined with
    qualified_at: Mapped[maybe_timestamp]
    mentor_since: Mapped[maybe_timestamp]
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(back_populates="artisan")
    mentor: Mapped[Artisan | None] = relationship(remote_side="Artisan.id")


class ReferralCode(Base):
    __tablename__ = "referral_codes"
    __table_args__ = (Index("ix_referral_codes_mentor_active", "mentor_id", "active"),)

    id: Mapped[int_pk]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("artisans.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]


__all__ = [
    "Artisan",
    "ArtisanStatus",
    "Channel",
    "Identity",
    "PromisedRole",
    "ReferralCode",
    "Role",
    "RoleSource",
    "User",
    "UserRole",
]
