"""Who may do what, and who changed it: the people audit's writer and reader.

Every service that changes a role, a promise of one, a shop's suspension or joins two
accounts writes one row here, in the same unit of work as the change, and only when the
change took effect (a repeated or raced command writes nothing twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ActorKind, AuditAction, PeopleAudit, Role


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: someone in the chat (checked against her roles), the operator at
    the command line, or the ADMIN_PHONES setting."""

    kind: ActorKind
    user_id: int | None = None

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls(ActorKind.USER, user_id)

    @classmethod
    def operator(cls) -> Actor:
        return cls(ActorKind.OPERATOR)

    @classmethod
    def admin_phones(cls) -> Actor:
        return cls(ActorKind.ADMIN_PHONES)


def record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    now: datetime,
    *,
    role: Role | None = None,
    subject_user_id: int | None = None,
    phone: str | None = None,
    artisan_id: int | None = None,
    collection_id: int | None = None,
    product_id: int | None = None,
    note: str = "",
) -> PeopleAudit:
    row = PeopleAudit(
        at=now,
        actor=actor.kind,
        actor_user_id=actor.user_id,
        action=action,
        role=role,
        subject_user_id=subject_user_id,
        phone=phone,
        artisan_id=artisan_id,
        collection_id=collection_id,
        product_id=product_id,
        note=note[:200],
    )
    session.add(row)
    session.flush()
    return row


def history(session: Session, *, limit: int = 100) -> list[PeopleAudit]:
    """The latest `limit` changes, oldest first."""
    latest = session.scalars(select(PeopleAudit).order_by(PeopleAudit.id.desc()).limit(limit))
    return list(reversed(latest.all()))


def was_recorded(
    session: Session, action: AuditAction, *, subject_user_id: int, phone: str | None = None
) -> bool:
    """Whether such a change was recorded before (e.g. a refused merge she was told about)."""
    found = session.scalar(
        select(PeopleAudit.id)
        .where(
            PeopleAudit.subject_user_id == subject_user_id,
            PeopleAudit.action == action,
            PeopleAudit.phone == phone,
        )
        .limit(1)
    )
    return found is not None
