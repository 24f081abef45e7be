"""Who may act as a community manager, and on whom: the one rule the People menu, listing
review, payouts and the role and suspension services apply.

The operator (the command line) and the ADMIN_PHONES setting may do anything. A person in
the chat acts only while she holds the role the action needs (read from the database each
time: a message may outlive the role), and in addition:

- only an owner acts on an owner;
- nobody gives herself a role, nor suspends or reinstates her own shop (taking a role away
  from herself, say to stop mentoring, is hers to decide).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from store.errors import PermissionDenied
from store.models import ActorKind, Role, UserRole
from store.services.audit import Actor


def holds(session: Session, user_id: int, role: Role) -> bool:
    return bool(
        session.scalar(select(exists().where(UserRole.user_id == user_id, UserRole.role == role)))
    )


def may_act_as(session: Session, actor: Actor, role: Role) -> bool:
    if actor.kind is not ActorKind.USER:
        return True
    return actor.user_id is not None and holds(session, actor.user_id, role)


def require(session: Session, actor: Actor, role: Role, action: str) -> None:
    """`PermissionDenied` unless `actor` may act as a holder of `role`."""
    if not may_act_as(session, actor, role):
        raise PermissionDenied(action, actor.user_id)


def require_manager(session: Session, actor: Actor, action: str) -> None:
    require(session, actor, Role.COMMUNITY_MANAGER, action)


def may_act_on(
    session: Session, actor: Actor, needs: Role, subject_user_id: int, *, on_herself: bool
) -> bool:
    """Whether `actor`, holding `needs`, may act on this person; `on_herself` says whether
    the action is one she may take on herself."""
    if actor.kind is not ActorKind.USER:
        return True
    if actor.user_id is None or not holds(session, actor.user_id, needs):
        return False
    if subject_user_id == actor.user_id:
        return on_herself
    on_an_owner = holds(session, subject_user_id, Role.OWNER)
    return not on_an_owner or holds(session, actor.user_id, Role.OWNER)


def require_may_act_on(
    session: Session,
    actor: Actor,
    needs: Role,
    subject_user_id: int,
    action: str,
    *,
    on_herself: bool,
) -> None:
    if not may_act_on(session, actor, needs, subject_user_id, on_herself=on_herself):
        raise PermissionDenied(action, actor.user_id)
