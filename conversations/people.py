"""Who is writing: the user behind a channel identity, created at first contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Channel, Identity, User
from store.services import people


@dataclass(frozen=True)
class Person:
    user: User
    identity: Identity
    is_new: bool


def find_or_create_person(
    session: Session,
    channel: Channel,
    platform_user_id: str,
    *,
    now: datetime,
    profile_name: str = "",
    locale_hint: str | None = None,
    touch: bool = True,
) -> Person:
    """The person behind (channel, platform user id); a new user, locale guessed, if unknown.

    `touch` records this as their latest message (it opens WhatsApp's 24-hour window).
    """
    user, created = people.find_or_create_user(
        session,
        channel,
        platform_user_id,
        profile_name=profile_name,
        locale_hint=locale_hint,
        now=now,
    )
    identity = session.execute(
        select(Identity).where(
            Identity.channel == channel, Identity.platform_user_id == platform_user_id
        )
    ).scalar_one()
    if touch:
        identity.last_inbound_at = now
        identity.unreachable_at = None  # they wrote from it: it works again
    return Person(user=user, identity=identity, is_new=created)
