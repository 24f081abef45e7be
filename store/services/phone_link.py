"""A phone number proven to be someone's — the WhatsApp number she writes from (Twilio's
WaId), or her own contact shared on Telegram — becomes her phone: her accounts on other
channels with that number become one person with her, and the roles promised to the number
become hers. Each join is recorded in the people audit; a join that cannot be made (both
accounts have a shop) is recorded once and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from store.models import AuditAction, User
from store.services import audit, people, roles
from store.services.account_merge import AccountConflict, user_with_phone
from store.services.audit import Actor
from store.services.roles import RoleChange

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhoneLinked:
    user: User  # who she is now: the older account when two became one
    phone: str
    recorded: bool = False  # the number is newly hers
    merged_user_id: int | None = None  # the account that became part of her (now gone)
    refused: bool = False  # another account with a shop has the number: nothing joined
    first_refusal: bool = False  # ... recorded (and to be told) this time, not before
    roles: tuple[RoleChange, ...] = ()  # roles promised to the number, now hers


def link_verified_phone(session: Session, user: User, phone: str, now: datetime) -> PhoneLinked:
    """`phone` (E.164) is proven to be `user`'s; see the module. Raises `InvalidPhone` for a
    number that is not E.164."""
    if user.phone == phone:
        return PhoneLinked(user, phone)
    other = user_with_phone(session, phone)
    try:
        survivor = people.link_phone(session, user.id, phone)
    except AccountConflict as conflict:
        return _refused(session, user, phone, conflict, now)
    merged = ({user.id, other.id} - {survivor.id}).pop() if other is not None else None
    if merged is not None:
        audit.record(
            session,
            Actor.user(survivor.id),
            AuditAction.MERGE,
            now,
            subject_user_id=survivor.id,
            phone=phone,
            note=f"user {merged} joined",
        )
    claimed = roles.claim_promised(session, survivor, now)
    return PhoneLinked(survivor, phone, recorded=True, merged_user_id=merged, roles=tuple(claimed))


def _refused(
    session: Session, user: User, phone: str, conflict: AccountConflict, now: datetime
) -> PhoneLinked:
    first = not audit.was_recorded(
        session, AuditAction.MERGE_REFUSED, subject_user_id=user.id, phone=phone
    )
    if first:
        other = conflict.other_user_id if conflict.other_user_id != user.id else conflict.user_id
        audit.record(
            session,
            Actor.user(user.id),
            AuditAction.MERGE_REFUSED,
            now,
            subject_user_id=user.id,
            phone=phone,
            note=f"user {other} has this number and another shop",
        )
        logger.warning(
            "accounts %s and %s share a number but both have a shop: not joined",
            conflict.user_id,
            conflict.other_user_id,
        )
    return PhoneLinked(user, phone, refused=True, first_refusal=first)
