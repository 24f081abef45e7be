"""The shop's owners: the phone numbers in ADMIN_PHONES.

Each owner is an owner and a community manager as soon as she is known by her number (she
writes from it on WhatsApp, or shares it as her own contact on Telegram); until then both
roles are promised to the number. A number taken out of the setting takes away what the
setting gave, and nothing else: a community manager she was also made by hand stays one.

`sync_owners` runs at the start of every long-running command. It changes only what differs,
with conditional writes, so N workers starting together give each role once and record it
once (the others find it done). A setting with no number changes nothing: the owners stay
(`bot.owners` warns), since a start without the setting is a mistake, not a decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import PromisedRole, Role, RoleSource, User, UserRole
from store.services import directory, roles
from store.services.audit import Actor
from store.services.directory import user_verified_by
from store.services.roles import RoleChange

OWNER_ROLES = (Role.OWNER, Role.COMMUNITY_MANAGER)


def sync_owners(session: Session, phones: Iterable[str], now: datetime) -> list[RoleChange]:
    """Make the owners exactly the people (or promises) of these E.164 numbers; what
    changed, in a stable order (so concurrent syncs lock rows in the same order). A removal
    names the number in `RoleChange.phone`.

    No number at all changes nothing: a setting left out (one unit file, a command run from
    another folder) must not take every owner away."""
    actor = Actor.admin_phones()
    wanted = sorted(set(phones))
    if not wanted:
        return []
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
        number = next(iter(directory.person_card(session, user.id).phones), None)
        removed = roles.remove_role(session, actor, user, Role.OWNER, now)
        changes.append(dataclasses.replace(removed, phone=number))
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


@dataclass(frozen=True)
class Standing:
    """The owners there are: people, and numbers nobody is known by yet."""

    people: int
    numbers_waiting: int


def standing(session: Session) -> Standing:
    people = session.scalar(select(func.count()).where(UserRole.role == Role.OWNER)) or 0
    waiting = (
        session.scalar(
            select(func.count()).where(
                PromisedRole.role == Role.OWNER, PromisedRole.source == RoleSource.ADMIN_PHONES
            )
        )
        or 0
    )
    return Standing(people, waiting)


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
