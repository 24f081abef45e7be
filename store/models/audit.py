"""The people audit: every change to who may do what (roles, promises, shops suspended or
reinstated, accounts joined), who made it and when. Append-only."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.people import Role
from store.models.types import created_at, int_pk, str_enum


class AuditAction(StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"
    PROMISE = "promise"  # a role promised to a number nobody is known by yet
    WITHDRAW = "withdraw"  # such a promise taken back before anyone had the number
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    MERGE = "merge"  # one person's two accounts (say WhatsApp and Telegram) became one
    MERGE_REFUSED = "merge_refused"  # ... but could not: both have a shop
    VISIT = "visit"  # a community manager recorded a workshop visit (`workshop_visits`)


class ActorKind(StrEnum):
    USER = "user"  # someone in the chat (`actor_user_id`)
    OPERATOR = "operator"  # whoever runs `soko admin` on the server
    ADMIN_PHONES = "admin_phones"  # the setting, applied at start or when she became known


class PeopleAudit(Base):
    __tablename__ = "people_audit"
    __table_args__ = (Index("ix_people_audit_subject", "subject_user_id", "action"),)

    id: Mapped[int_pk]
    at: Mapped[created_at]
    actor: Mapped[ActorKind] = mapped_column(str_enum(ActorKind, "actor_kind"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, "audit_action"))
    role: Mapped[Role | None] = mapped_column(str_enum(Role, "role"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    artisan_id: Mapped[int | None] = mapped_column(ForeignKey("artisans.id"))
    note: Mapped[str] = mapped_column(String(200), default="")


__all__ = ["ActorKind", "AuditAction", "PeopleAudit"]
