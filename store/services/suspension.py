"""Suspending a shop and reinstating it, by a community manager or the operator (in the chat
never her own shop, and an owner's only by an owner: `store.services.permissions`).

A suspended shop lists nothing new and mentors nobody. Reinstated, it is again what it was:
independent when it had qualified (or never had a mentor), otherwise still learning with its
mentor. The status alone says so, from `qualified_at` and `mentor_id`, so nothing else needs
remembering across the suspension.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, case, or_, update
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models import Artisan, ArtisanStatus, AuditAction, Role
from store.rowcount import rows_matched
from store.services import audit, permissions
from store.services.audit import Actor

# What a reinstated shop becomes.
_REINSTATED = case(
    (
        or_(Artisan.qualified_at.is_not(None), Artisan.mentor_id.is_(None)),
        ArtisanStatus.INDEPENDENT.value,
    ),
    else_=ArtisanStatus.MENTORED.value,
)


@dataclass(frozen=True)
class ShopChange:
    action: AuditAction  # SUSPEND or REINSTATE
    artisan: Artisan
    changed: bool  # False: it was suspended (or open) already
    audit_id: int | None = None


def suspend_shop(
    session: Session, actor: Actor, artisan_id: int, now: datetime, *, reason: str = ""
) -> ShopChange:
    artisan = _get_artisan(session, artisan_id)
    _check_may_change(session, actor, artisan, "suspend a shop")
    result = session.execute(
        update(Artisan)
        .where(Artisan.id == artisan_id, Artisan.status != ArtisanStatus.SUSPENDED)
        .values(status=ArtisanStatus.SUSPENDED)
        .execution_options(synchronize_session=False)
    )
    return _done(session, actor, artisan, AuditAction.SUSPEND, result, now, reason)


def reinstate_shop(session: Session, actor: Actor, artisan_id: int, now: datetime) -> ShopChange:
    artisan = _get_artisan(session, artisan_id)
    _check_may_change(session, actor, artisan, "reinstate a shop")
    result = session.execute(
        update(Artisan)
        .where(Artisan.id == artisan_id, Artisan.status == ArtisanStatus.SUSPENDED)
        .values(status=_REINSTATED)
        .execution_options(synchronize_session=False)
    )
    return _done(session, actor, artisan, AuditAction.REINSTATE, result, now, "")


def _done(
    session: Session,
    actor: Actor,
    artisan: Artisan,
    action: AuditAction,
    result: Result[Any],
    now: datetime,
    note: str,
) -> ShopChange:
    session.refresh(artisan)
    if not rows_matched(result):
        return ShopChange(action, artisan, changed=False)
    row = audit.record(
        session,
        actor,
        action,
        now,
        subject_user_id=artisan.user_id,
        artisan_id=artisan.id,
        note=note,
    )
    return ShopChange(action, artisan, changed=True, audit_id=row.id)


def may_change_shop(session: Session, user_id: int, artisan: Artisan) -> bool:
    """Whether someone in the chat may suspend or reinstate this shop (the People card asks):
    a community manager, never on her own shop, on an owner's only if she is one."""
    return permissions.may_act_on(
        session, Actor.user(user_id), Role.COMMUNITY_MANAGER, artisan.user_id, on_herself=False
    )


def _check_may_change(session: Session, actor: Actor, artisan: Artisan, action: str) -> None:
    permissions.require_may_act_on(
        session, actor, Role.COMMUNITY_MANAGER, artisan.user_id, action, on_herself=False
    )


def _get_artisan(session: Session, artisan_id: int) -> Artisan:
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        raise NotFound("artisan", artisan_id)
    return artisan
