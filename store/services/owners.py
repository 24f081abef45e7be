"""The shop's owners: the phone numbers in ADMIN_PHONES.

Each owner is an owner and a community manager as soon as she is known by her number (she
writes from it on WhatsApp, or shares it as her own contact on Telegram); until then both
roles are promised to the number. A number taken out of the setting takes away what the
setting gave, and nothing else: a community manager she was also made by hand stays one.

`sync_owners` runs at the start of every long-running command. It changes only what differs,
with conditional writes, so N workers starting together give each role once and record it
once (the others find it done).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import PromisedRole, Role, RoleSource, User, UserRole
from store.services import roles
from store.services.audit import Actor
from store.services.directory import user_verified_by
from store.services.roles import RoleChange

OWNER_ROLES = (Role.OWNER, Role.COMMUNITY_MANAGER)


def sync_owners(session: Session, phones: Iterable[str], now: datetime) -> list[RoleChange]:
    """Make the owners exactly the people (or promises) of these E.164 numbers; what
    changed, in a stable order (so concurrent syncs lock rows in the same order)."""
    actor = Actor.admin_phones()
    wanted = sorted(set(phones))
    changes: list[RoleChange] = []
    owners: set[int] = set()
    for phone in wanted:
        user = user_verified_by(session, phone)
        if user is None:
            for role in OWNER_ROLES:
                changes.append(
                    roles.promise(session, actor, phone, role, RoleSource.ADMIN_PHONES, now)
                )
            continue
        owners.add(user.id)
        for role in OWNER_ROLES:
            changes.append(roles.add_role(session, actor, user, role, RoleSource.ADMIN_PHONES, now))
    for user in _owners_besides(session, owners):
        changes.append(roles.remove_role(session, actor, user, Role.OWNER, now))
        changes.append(
            roles.remove_role(
                session,
                actor,
                user,
                Role.COMMUNITY_MANAGER,
                now,
                source=RoleSource.ADMIN_PHONES,
            )
        )
    for promised in _promises_besides(session, wanted):
        changes.append(
            roles.withdraw(
                session,
                actor,
                promised.phone,
                promised.role,
                now,
                source=RoleSource.ADMIN_PHONES,
            )
        )
    return [change for change in changes if change.changed]


def _owners_besides(session: Session, kept: set[int]) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.OWNER, User.id.not_in(kept))
            .order_by(User.id)
        )
    )


def _promises_besides(session: Session, kept: list[str]) -> list[PromisedRole]:
    return list(
        session.scalars(
            select(PromisedRole)
            .where(PromisedRole.source == RoleSource.ADMIN_PHONES, PromisedRole.phone.not_in(kept))
            .order_by(PromisedRole.phone, PromisedRole.role)
        )
    )
