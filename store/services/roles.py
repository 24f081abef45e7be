"""Roles: community managers, mentors and owners, given and taken away with a record of who
did it (`store.services.audit`), or promised to a phone number nobody is known by yet.

Who may do what: the operator (the command line) anything below; a community manager makes
and unmakes mentors; only an owner (her number is in ADMIN_PHONES, `store.services.owners`)
makes and unmakes community managers. Owners themselves come only from that setting. In the
chat, only an owner acts on an owner, and nobody gives herself a role
(`store.services.permissions`).

A promise is kept the moment someone gets the number (`claim_promised`): she writes from it
on WhatsApp, or shares it as her own contact on Telegram.

Every function changes nothing and records nothing when there is nothing to change (she has
the role already, a racing worker gave it first): each says so in `RoleChange.changed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from store.errors import NotFound, PermissionDenied, StoreError
from store.models import (
    ArtisanStatus,
    AuditAction,
    PromisedRole,
    Role,
    RoleSource,
    User,
    UserRole,
)
from store.rowcount import rows_matched
from store.savepoints import add_unless_taken
from store.services import audit, permissions, referrals
from store.services.audit import Actor
from store.services.directory import user_verified_by
from store.services.people import InvalidPhone, artisan_for_user, normalize_phone

# What a community manager or the operator may give; an artisan's role comes with her shop,
# an owner's with ADMIN_PHONES.
GRANTABLE = (Role.COMMUNITY_MANAGER, Role.MENTOR)
# What an actor in the chat must hold to give or take each grantable role.
_APPOINTER = {Role.COMMUNITY_MANAGER: Role.OWNER, Role.MENTOR: Role.COMMUNITY_MANAGER}


class NotGrantable(StoreError):
    def __init__(self, role: Role) -> None:
        super().__init__(f"{role.value} is not given by hand")
        self.role = role


class OwnerKeepsRole(StoreError):
    """An owner is a community manager for as long as her number is in ADMIN_PHONES."""

    def __init__(self, phone: str | None) -> None:
        super().__init__(
            f"{phone or 'she'} is an owner (ADMIN_PHONES): remove the number there instead"
        )
        self.phone = phone


class ShopSuspended(StoreError):
    """A suspended shop cannot mentor anyone until it is reinstated."""

    def __init__(self, artisan_id: int) -> None:
        super().__init__(f"shop {artisan_id} is suspended: reinstate it first")
        self.artisan_id = artisan_id


@dataclass(frozen=True)
class RoleChange:
    """What a grant, revoke, promise or withdrawal did.

    `user` is None for a promise (nobody has the number yet); `changed` is False when there
    was nothing to do. `mentor_code` is a new mentor's invitation code when she has a shop
    (without one she gets it when she opens her shop). `audit_id` is the audit row, None
    when nothing was recorded.
    """

    action: AuditAction
    role: Role
    changed: bool
    user: User | None = None
    phone: str | None = None
    mentor_code: str | None = None
    audit_id: int | None = None


# --- by person ----------------------------------------------------------------------------


def grant(session: Session, actor: Actor, user_id: int, role: Role, now: datetime) -> RoleChange:
    """Give `role` (community manager or mentor) to a known person."""
    _check_may_appoint(session, actor, role)
    user = _get_user(session, user_id)
    _check_may_change(session, actor, role, user, give=True)
    return _grant(session, actor, user, role, RoleSource.GRANTED, now)


def revoke(session: Session, actor: Actor, user_id: int, role: Role, now: datetime) -> RoleChange:
    """Take `role` away from a known person. An owner stays a community manager."""
    _check_may_appoint(session, actor, role)
    user = _get_user(session, user_id)
    _check_may_change(session, actor, role, user, give=False)
    if role is Role.COMMUNITY_MANAGER and user.has_role(Role.OWNER):
        raise OwnerKeepsRole(user.phone)
    if not _remove(session, user, role):
        return RoleChange(AuditAction.REVOKE, role, changed=False, user=user)
    row = audit.record(session, actor, AuditAction.REVOKE, now, role=role, subject_user_id=user.id)
    return RoleChange(AuditAction.REVOKE, role, True, user=user, audit_id=row.id)


# --- by phone number ----------------------------------------------------------------------


def grant_to_phone(
    session: Session, actor: Actor, phone_text: str, role: Role, now: datetime
) -> RoleChange:
    """Give `role` to the person this number is proven to be (`directory.user_verified_by`:
    never a shop's M-Pesa number, which anyone may type), or promise it to the number until
    someone gets it."""
    _check_may_appoint(session, actor, role)
    phone = _phone(phone_text)
    user = user_verified_by(session, phone)
    if user is not None:
        _check_may_change(session, actor, role, user, give=True)
        return _grant(session, actor, user, role, RoleSource.GRANTED, now)
    return promise(session, actor, phone, role, RoleSource.GRANTED, now)


def revoke_from_phone(
    session: Session, actor: Actor, phone_text: str, role: Role, now: datetime
) -> RoleChange:
    """Take `role` from the person this number is proven to be, or withdraw its promise."""
    _check_may_appoint(session, actor, role)
    phone = _phone(phone_text)
    user = user_verified_by(session, phone)
    if user is not None:
        return revoke(session, actor, user.id, role, now)
    promised = session.get(PromisedRole, (phone, role))
    if promised is not None and promised.source is RoleSource.ADMIN_PHONES:
        raise OwnerKeepsRole(phone)
    return withdraw(session, actor, phone, role, now)


def promise(
    session: Session,
    actor: Actor,
    phone: str,
    role: Role,
    source: RoleSource,
    now: datetime,
) -> RoleChange:
    """Promise `role` to an E.164 number nobody is known by yet. A promise the setting made
    and someone then confirms by hand stays when the number leaves ADMIN_PHONES."""
    row = PromisedRole(
        phone=phone, role=role, source=source, promised_by_user_id=actor.user_id, created_at=now
    )
    if add_unless_taken(session, row):
        recorded = audit.record(session, actor, AuditAction.PROMISE, now, role=role, phone=phone)
        return RoleChange(AuditAction.PROMISE, role, True, phone=phone, audit_id=recorded.id)
    existing = session.get(PromisedRole, (phone, role))
    if existing is not None and existing.source != source and source is RoleSource.GRANTED:
        existing.source = source
        session.flush()
    return RoleChange(AuditAction.PROMISE, role, False, phone=phone)


def withdraw(
    session: Session,
    actor: Actor,
    phone: str,
    role: Role,
    now: datetime,
    *,
    source: RoleSource | None = None,
    note: str = "",
) -> RoleChange:
    """Take back a promise (only one `source` gave, when given)."""
    condition = [PromisedRole.phone == phone, PromisedRole.role == role]
    if source is not None:
        condition.append(PromisedRole.source == source)
    removed = session.execute(delete(PromisedRole).where(*condition))
    if not rows_matched(removed):
        return RoleChange(AuditAction.WITHDRAW, role, False, phone=phone)
    row = audit.record(session, actor, AuditAction.WITHDRAW, now, role=role, phone=phone, note=note)
    return RoleChange(AuditAction.WITHDRAW, role, True, phone=phone, audit_id=row.id)


def claim_promised(session: Session, user: User, now: datetime) -> list[RoleChange]:
    """Her number's promises become her roles (she has just been linked to `user.phone`).
    Each is given as if now by whoever promised it, and recorded so; one that person may
    not give her (she promised it to her own number, or it would act on an owner) is
    withdrawn instead."""
    if user.phone is None:
        return []
    promised = session.scalars(
        select(PromisedRole).where(PromisedRole.phone == user.phone).order_by(PromisedRole.role)
    ).all()
    changes = []
    for row in promised:
        note = f"promised to {user.phone}"
        promiser = _promiser(row)
        if not _may_change(session, promiser, row.role, user, give=True):
            withdraw(session, promiser, row.phone, row.role, now, note=f"not given to {user.id}")
            continue
        try:
            change = _grant(session, promiser, user, row.role, row.source, now, note=note)
        except ShopSuspended:  # kept until her shop is reinstated and it is given by hand
            continue
        session.delete(row)
        session.flush()
        if change.changed:
            changes.append(change)
    return changes


# --- who holds what -----------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    user: User
    roles: tuple[UserRole, ...]  # owner, community manager, mentor: the ones given by hand


def holders(session: Session) -> list[Holder]:
    """People with a role beyond selling, oldest first."""
    shown = (Role.OWNER, Role.COMMUNITY_MANAGER, Role.MENTOR)
    users = session.scalars(
        select(User)
        .where(exists().where(UserRole.user_id == User.id, UserRole.role.in_(shown)))
        .order_by(User.id)
    ).all()
    return [
        Holder(user, tuple(sorted((r for r in user.roles if r.role in shown), key=_rank)))
        for user in users
    ]


def promises(session: Session) -> list[PromisedRole]:
    return list(
        session.scalars(select(PromisedRole).order_by(PromisedRole.phone, PromisedRole.role))
    )


def may_appoint(session: Session, user_id: int, role: Role) -> bool:
    """Whether someone in the chat may give and take `role` at all (the People menu asks,
    to promise it to a number)."""
    needed = _APPOINTER.get(role)
    return needed is not None and permissions.may_act_as(session, Actor.user(user_id), needed)


def may_change(
    session: Session, user_id: int, subject_user_id: int, role: Role, *, give: bool
) -> bool:
    """Whether someone in the chat may give (or take) `role` to this person: the People
    card offers only that (`store.services.permissions` has the rule)."""
    needed = _APPOINTER.get(role)
    return needed is not None and permissions.may_act_on(
        session, Actor.user(user_id), needed, subject_user_id, on_herself=not give
    )


# --- the work -----------------------------------------------------------------------------


def _grant(
    session: Session,
    actor: Actor,
    user: User,
    role: Role,
    source: RoleSource,
    now: datetime,
    *,
    note: str = "",
) -> RoleChange:
    if role is Role.MENTOR:
        return _make_mentor(session, actor, user, now, note)
    held = next((r for r in user.roles if r.role == role), None)
    if held is not None:
        if held.source != source and source is RoleSource.GRANTED:
            # Confirmed by hand: it stays when her number leaves ADMIN_PHONES.
            held.source = source
            session.flush()
            row = audit.record(
                session,
                actor,
                AuditAction.GRANT,
                now,
                role=role,
                subject_user_id=user.id,
                note="kept if her number leaves ADMIN_PHONES",
            )
            return RoleChange(AuditAction.GRANT, role, False, user=user, audit_id=row.id)
        return RoleChange(AuditAction.GRANT, role, False, user=user)
    if not _add(session, user, role, source, now):
        return RoleChange(AuditAction.GRANT, role, False, user=user)
    row = audit.record(
        session, actor, AuditAction.GRANT, now, role=role, subject_user_id=user.id, note=note
    )
    return RoleChange(AuditAction.GRANT, role, True, user=user, audit_id=row.id)


def _make_mentor(
    session: Session, actor: Actor, user: User, now: datetime, note: str
) -> RoleChange:
    """A seller becomes a mentor with an invitation code; someone without a shop yet gets
    the role now and her code when she opens her shop (onboarding asks `referrals`)."""
    had = user.has_role(Role.MENTOR)
    artisan = artisan_for_user(session, user.id)
    code = None
    if artisan is not None:
        if artisan.status is ArtisanStatus.SUSPENDED:
            raise ShopSuspended(artisan.id)
        code = referrals.make_mentor(session, artisan.id, now, threshold=None).code
    elif not had:
        _add(session, user, Role.MENTOR, RoleSource.GRANTED, now)
    if had:
        return RoleChange(AuditAction.GRANT, Role.MENTOR, False, user=user, mentor_code=code)
    row = audit.record(
        session,
        actor,
        AuditAction.GRANT,
        now,
        role=Role.MENTOR,
        subject_user_id=user.id,
        artisan_id=artisan.id if artisan else None,
        note=note,
    )
    return RoleChange(
        AuditAction.GRANT, Role.MENTOR, True, user=user, mentor_code=code, audit_id=row.id
    )


def _add(session: Session, user: User, role: Role, source: RoleSource, now: datetime) -> bool:
    """Insert the role row; False when it was there (a racing worker gave it first)."""
    added = add_unless_taken(
        session, UserRole(user_id=user.id, role=role, source=source, granted_at=now)
    )
    session.expire(user, ["roles"])
    return added


def _remove(session: Session, user: User, role: Role, *, source: RoleSource | None = None) -> bool:
    condition = [UserRole.user_id == user.id, UserRole.role == role]
    if source is not None:
        condition.append(UserRole.source == source)
    removed = session.execute(delete(UserRole).where(*condition))
    session.expire(user, ["roles"])
    return bool(rows_matched(removed))


def remove_role(
    session: Session,
    actor: Actor,
    user: User,
    role: Role,
    now: datetime,
    *,
    source: RoleSource | None = None,
) -> RoleChange:
    """Take a role away without the permission rules (the owners' sync uses it)."""
    if not _remove(session, user, role, source=source):
        return RoleChange(AuditAction.REVOKE, role, False, user=user)
    row = audit.record(session, actor, AuditAction.REVOKE, now, role=role, subject_user_id=user.id)
    return RoleChange(AuditAction.REVOKE, role, True, user=user, audit_id=row.id)


def add_role(
    session: Session, actor: Actor, user: User, role: Role, source: RoleSource, now: datetime
) -> RoleChange:
    """Give a role without the permission rules (the owners' sync uses it)."""
    return _grant(session, actor, user, role, source, now)


def _check_may_appoint(session: Session, actor: Actor, role: Role) -> None:
    """Whether the actor gives or takes `role` at all, before anyone is looked up."""
    if role not in GRANTABLE:
        raise NotGrantable(role)
    permissions.require(session, actor, _APPOINTER[role], f"appoint a {role.value}")


def _may_change(session: Session, actor: Actor, role: Role, user: User, *, give: bool) -> bool:
    needed = _APPOINTER.get(role, Role.OWNER)  # `owner` itself: only ADMIN_PHONES gives it
    return permissions.may_act_on(session, actor, needed, user.id, on_herself=not give)


def _check_may_change(
    session: Session, actor: Actor, role: Role, user: User, *, give: bool
) -> None:
    """Whether the actor gives or takes `role` to this person (herself, an owner)."""
    if not _may_change(session, actor, role, user, give=give):
        verb = "give" if give else "take"
        raise PermissionDenied(f"{verb} {role.value} to user {user.id}", actor.user_id)


def _promiser(row: PromisedRole) -> Actor:
    if row.source is RoleSource.ADMIN_PHONES:
        return Actor.admin_phones()
    if row.promised_by_user_id is not None:
        return Actor.user(row.promised_by_user_id)
    return Actor.operator()


def _phone(text: str) -> str:
    phone = normalize_phone(text)
    if phone is None:
        raise InvalidPhone(text)
    return phone


def _rank(role: UserRole) -> int:
    return (Role.OWNER, Role.COMMUNITY_MANAGER, Role.MENTOR).index(role.role)


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user
