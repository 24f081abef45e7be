"""Suspending a shop and reinstating it, by a community manager or the operator (in the chat
never her own shop, and an owner's only by an owner: `store.services.permissions`).

A suspension needs a reason (`ReasonRequired`): she is told it, and it is the audit row's
note. In the same unit of work as the status (nothing half done): every order awaiting
payment that holds one of her pieces is cancelled whole, its pieces released
(`orders.cancel_unpaid_of_shop`; money that arrives for it later is owed back, as for any
closed order); her pieces are taken out of buyers' carts, each buyer told when she next
looks (`cart_removals`); paid orders are kept, hers to send (or the managers' to refund),
and listed in the change for the manager. Telling people is the caller's, through the
outbox, so nobody hears of anything the database did not keep.

A suspended shop lists nothing new and mentors nobody, and buyers see nothing of it
(`open_shops`). Reinstated, it is again what it was:
independent when it had qualified (or never had a mentor), otherwise still learning with its
mentor. The status alone says so, from `qualified_at` and `mentor_id`, so nothing else needs
remembering across the suspension.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Result, case, or_, select, update
from sqlalchemy.orm import Session

from store.errors import NotFound, StoreError
from store.models import (
    Artisan,
    ArtisanStatus,
    AuditAction,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    PeopleAudit,
    Role,
)
from store.rowcount import rows_matched
from store.services import audit, cart_removals, orders, permissions
from store.services.audit import Actor

REASON_MAX = 200  # what the audit keeps

# Her lines of a paid order that are still hers to make, send or settle.
_TO_SEND = (
    LineStatus.PAID,
    LineStatus.ACCEPTED,
    LineStatus.READY,
    LineStatus.AT_HUB,
    LineStatus.PASSED,
    LineStatus.RETURNED,
)

# What a reinstated shop becomes.
_REINSTATED = case(
    (
        or_(Artisan.qualified_at.is_not(None), Artisan.mentor_id.is_(None)),
        ArtisanStatus.INDEPENDENT.value,
    ),
    else_=ArtisanStatus.MENTORED.value,
)


class ReasonRequired(StoreError):
    """A shop is suspended only with a reason: she is told it."""

    def __init__(self, artisan_id: int) -> None:
        super().__init__(f"suspending shop {artisan_id} needs a reason")
        self.artisan_id = artisan_id


@dataclass(frozen=True)
class ShopChange:
    action: AuditAction  # SUSPEND or REINSTATE
    artisan: Artisan
    changed: bool  # False: it was suspended (or open) already
    audit_id: int | None = None
    reason: str = ""  # why it was suspended
    cancelled: tuple[Order, ...] = ()  # unpaid orders called off
    paid_to_send: tuple[str, ...] = ()  # codes of paid orders with her pieces still to send
    cart_buyers: tuple[int, ...] = ()  # whose carts lost her pieces


def suspend_shop(
    session: Session, actor: Actor, artisan_id: int, now: datetime, *, reason: str
) -> ShopChange:
    """Suspend the shop for `reason` (a few words; `ReasonRequired` when there are none)
    with everything it brings; nothing at all when it was suspended already."""
    artisan = _get_artisan(session, artisan_id)
    _check_may_change(session, actor, artisan, "suspend a shop")
    why = " ".join(reason.split())[:REASON_MAX]
    if not why:
        raise ReasonRequired(artisan_id)
    # The artisan row stays locked to the end: an order being placed for her pieces waits
    # (`orders.place_order` reads the shop FOR SHARE), then finds the shop closed.
    result = session.execute(
        update(Artisan)
        .where(Artisan.id == artisan_id, Artisan.status != ArtisanStatus.SUSPENDED)
        .values(status=ArtisanStatus.SUSPENDED)
        .execution_options(synchronize_session=False)
    )
    change = _done(session, actor, artisan, AuditAction.SUSPEND, result, now, why)
    if not change.changed:
        return change
    cancelled = orders.cancel_unpaid_of_shop(session, artisan_id, now)
    buyers = cart_removals.take_shop_out_of_carts(session, artisan_id, now)
    return ShopChange(
        AuditAction.SUSPEND,
        change.artisan,
        changed=True,
        audit_id=change.audit_id,
        reason=why,
        cancelled=tuple(cancelled),
        paid_to_send=tuple(paid_to_send(session, artisan_id)),
        cart_buyers=tuple(buyers),
    )


def paid_to_send(session: Session, artisan_id: int) -> list[str]:
    """The codes of paid orders with pieces of hers not yet sent (or settled), oldest
    first: a suspension keeps them, to be sent or refunded."""
    return list(
        session.scalars(
            select(Order.code)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(
                OrderLine.artisan_id == artisan_id,
                OrderLine.status.in_(_TO_SEND),
                Order.status.in_((OrderStatus.PAID, OrderStatus.SHIPPED)),
            )
            .group_by(Order.id, Order.code)
            .order_by(Order.id)
        )
    )


def reinstate_shop(session: Session, actor: Actor, artisan_id: int, now: datetime) -> ShopChange:
    """Open the shop again: her pieces, pages and collections show as before (nothing on
    them changed); carts and cancelled orders stay as they are. The audit row's note is
    the reason it had been suspended for."""
    artisan = _get_artisan(session, artisan_id)
    _check_may_change(session, actor, artisan, "reinstate a shop")
    result = session.execute(
        update(Artisan)
        .where(Artisan.id == artisan_id, Artisan.status == ArtisanStatus.SUSPENDED)
        .values(status=_REINSTATED)
        .execution_options(synchronize_session=False)
    )
    return _done(
        session, actor, artisan, AuditAction.REINSTATE, result, now, suspended_for(session, artisan)
    )


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


def suspended_for(session: Session, artisan: Artisan) -> str:
    """The reason of the shop's latest suspension ("" if it has none on record)."""
    note = session.scalar(
        select(PeopleAudit.note)
        .where(PeopleAudit.artisan_id == artisan.id, PeopleAudit.action == AuditAction.SUSPEND)
        .order_by(PeopleAudit.id.desc())
        .limit(1)
    )
    return note or ""


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
